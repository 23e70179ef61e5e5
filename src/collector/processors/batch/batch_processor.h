// batch processor: groups batches until send_batch_size items (a trigger, not a cap) or timeout.
// When every batch still has its received bytes, the batches are joined by concatenating the
// protobuf encodings (appending to a repeated field is concatenation on the wire): no decoding.
#pragma once

#include "collector/core/component.h"

namespace adot::collector {

Factory BatchProcessorFactory();

// Joins batches of one signal into one (for tests and the batch processor).
PData MergeBatches(Signal signal, std::vector<PData>& batches);

}  // namespace adot::collector
