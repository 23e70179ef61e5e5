// Resource: the attributes that describe the entity producing telemetry.
#pragma once

#include <string>
#include <string_view>

#include "adot/sdk/common/attribute_value.h"

namespace adot::sdk {

class Resource {
 public:
  Resource() = default;
  explicit Resource(OwnedAttributes attributes, std::string schema_url = {})
      : attributes_(std::move(attributes)), schema_url_(std::move(schema_url)) {}

  // The SDK's default resource merged with the environment and then with attributes:
  // telemetry.sdk.{name,language,version}, service.name (unknown_service:<executable> unless
  // given), process.*, host.*, os.type, then OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME,
  // then attributes (highest precedence).
  static Resource Create(const OwnedAttributes& attributes = {}, std::string schema_url = {});
  // Only the telemetry.sdk.* attributes and the fallback service.name.
  static Resource Default();
  // The attributes of OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME. A value that fails to
  // percent-decode discards the whole variable, with one warning.
  static Resource FromEnvironment();
  // process.pid, process.executable.name/path, process.command_args, process.runtime.*.
  static Resource Process();
  // host.name, host.arch.
  static Resource Host();
  // os.type, os.description.
  static Resource Os();

  // A new resource with other's attributes taking precedence. The schema URL is kept when only one
  // side has it or both agree; conflicting schema URLs leave it empty (specification merge rule).
  Resource Merge(const Resource& other) const;

  const OwnedAttributes& attributes() const noexcept { return attributes_; }
  const std::string& schema_url() const noexcept { return schema_url_; }
  const OwnedAttributeValue* Find(std::string_view key) const noexcept;

  friend bool operator==(const Resource&, const Resource&) = default;

 private:
  OwnedAttributes attributes_;
  std::string schema_url_;
};

}  // namespace adot::sdk
