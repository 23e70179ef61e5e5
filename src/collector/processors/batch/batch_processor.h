// batch processor: groups batches until send_batch_size items (a trigger, not a cap) or timeout;
// send_batch_max_size > 0 caps every batch sent (larger ones are split, as in Go).
// Batches wait as protobuf encodings (received bytes, or the encoding of a batch a processor
// changed) and are joined by concatenating them (appending to a repeated field is concatenation on
// the wire): no decoding and no MergeFrom.
#pragma once

#include "collector/core/component.h"

namespace adot::collector {

Factory BatchProcessorFactory();

// Joins batches of one signal into one (for tests and the batch processor).
PData MergeBatches(Signal signal, std::vector<PData>& batches);

// Splits a batch into pieces of max_items items (spans, metric data points, log records; the last
// piece may be smaller), in order. A resource, scope or metric whose items are split appears in
// every piece that holds some of them, with its attributes. Decodes the batch; returns the batch
// itself (bytes kept) when it has at most max_items items or max_items is 0.
std::vector<PData> SplitBatch(const PData& batch, uint64_t max_items);

}  // namespace adot::collector
