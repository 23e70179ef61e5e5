// file exporter: appends each batch as one line of OTLP/JSON to a file (JSON lines), with size-based
// rotation (max_megabytes, max_backups) and optional gzip (each line one gzip member, so the file
// is a valid multi-member .gz that zcat reads). Signals sharing one path share one writer.
#pragma once

#include "collector/core/component.h"

namespace adot::collector {

Factory FileExporterFactory();

}  // namespace adot::collector
