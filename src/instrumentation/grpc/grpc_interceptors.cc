#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "adot/api/propagation/text_map.h"
#include "adot/api/trace.h"
#include "adot/instrumentation/grpc.h"
#include "instrumentation/grpc/grpc_semantics.h"

#ifndef ADOT_INSTRUMENTATION_GRPC_VERSION
#define ADOT_INSTRUMENTATION_GRPC_VERSION ""
#endif

namespace adot::instrumentation::grpc {

namespace {

namespace trace = adot::api::trace;
namespace propagation = adot::api::propagation;
using ::grpc::experimental::InterceptionHookPoints;
using ::grpc::experimental::InterceptorBatchMethods;
using internal::Endpoint;
using internal::MethodName;

std::shared_ptr<trace::Tracer> GetTracer() noexcept {
  return trace::GetTracerProvider()->GetTracer(kInstrumentationName,
                                               ADOT_INSTRUMENTATION_GRPC_VERSION);
}

// The span name: "package.Service/Method"; "grpc" when the method is not known (the semantic
// conventions' name for RPCs without a method name).
std::string_view SpanName(const MethodName& name) noexcept {
  return name.full.empty() ? std::string_view("grpc") : name.full;
}

// Writes into the initial metadata a call sends. gRPC requires lower-case keys (and aborts the
// process on a call with any other), while propagators use the spelling of their specification
// (X-Amzn-Trace-Id). A pair gRPC would still refuse is left out.
class MetadataSetter final : public propagation::TextMapSetter {
 public:
  explicit MetadataSetter(std::multimap<std::string, std::string>& metadata) noexcept
      : metadata_(metadata) {}
  void Set(std::string_view key, std::string_view value) noexcept override {
    try {
      std::string lower(key);
      for (char& c : lower) c = propagation::internal::AsciiLower(c);
      if (!internal::IsValidMetadata(lower, value)) return;
      auto [first, last] = metadata_.equal_range(lower);
      metadata_.erase(first, last);
      metadata_.emplace(std::move(lower), std::string(value));
    } catch (...) {
      // Out of memory: the call goes out without this field.
    }
  }

 private:
  std::multimap<std::string, std::string>& metadata_;
};

// Reads the initial metadata a call received (keys are lower case on the wire).
class MetadataGetter final : public propagation::TextMapGetter {
 public:
  using Metadata = std::multimap<::grpc::string_ref, ::grpc::string_ref>;
  explicit MetadataGetter(const Metadata& metadata) noexcept : metadata_(metadata) {}

  std::optional<std::string_view> Get(std::string_view key) const noexcept override {
    for (const auto& [k, v] : metadata_)
      if (propagation::internal::EqualsIgnoreCase(View(k), key)) return View(v);
    return std::nullopt;
  }
  void GetAll(std::string_view key, propagation::StringVisitor visit) const noexcept override {
    for (const auto& [k, v] : metadata_)
      if (propagation::internal::EqualsIgnoreCase(View(k), key) && !visit(View(v))) return;
  }
  void Keys(propagation::StringVisitor visit) const noexcept override {
    for (const auto& entry : metadata_)
      if (!visit(View(entry.first))) return;
  }

 private:
  static std::string_view View(const ::grpc::string_ref& s) noexcept {
    return std::string_view(s.data(), s.size());
  }
  const Metadata& metadata_;
};

void SetPeerAttributes(trace::Span& span, const Endpoint& peer, bool client_side) {
  if (peer.address.empty()) return;
  span.SetAttribute("network.peer.address", peer.address);
  if (peer.port > 0) span.SetAttribute("network.peer.port", peer.port);
  span.SetAttribute("network.transport", peer.unix_socket ? "unix" : "tcp");
  if (!peer.network_type.empty()) span.SetAttribute("network.type", peer.network_type);
  if (!client_side) {
    span.SetAttribute("client.address", peer.address);
    if (peer.port > 0) span.SetAttribute("client.port", peer.port);
  }
}

// Status code, error.type and span status of a finished call.
void SetStatus(trace::Span& span, int code, std::string_view message, bool is_error) {
  span.SetAttribute("rpc.grpc.status_code", code);
  if (!is_error) return;
  std::string_view name = internal::StatusCodeName(code);
  span.SetAttribute("error.type", name.empty() ? std::string_view("_OTHER") : name);
  span.SetStatus(trace::StatusCode::kError, message);
}

// ---- client ----

// One call. Created on the thread that starts the call (the caller's context is current there);
// the hooks may run on other threads (async and callback APIs).
class ClientInterceptor final : public ::grpc::experimental::Interceptor {
 public:
  ClientInterceptor(::grpc::experimental::ClientRpcInfo* info, trace::SpanPtr span,
                    std::optional<api::Context> propagate, bool server_known) noexcept
      : info_(info),
        span_(std::move(span)),
        propagate_(std::move(propagate)),
        server_known_(server_known) {}
  ClientInterceptor(const ClientInterceptor&) = delete;
  ClientInterceptor& operator=(const ClientInterceptor&) = delete;

  ~ClientInterceptor() override {
    // A call that never received its status (abandoned before it finished): the span still ends.
    if (span_ && !ended_.exchange(true, std::memory_order_acq_rel)) span_->End();
  }

  void Intercept(InterceptorBatchMethods* methods) override {
    if (propagate_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (std::multimap<std::string, std::string>* metadata = methods->GetSendInitialMetadata()) {
        MetadataSetter setter(*metadata);
        propagation::GetGlobalPropagator()->Inject(*propagate_, setter);
      }
    }
    if (span_ && methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_STATUS)) {
      if (const ::grpc::Status* status = methods->GetRecvStatus()) Finish(*status);
    }
    // Last: once the batch goes on, the call may complete and this interceptor be destroyed.
    methods->Proceed();
  }

 private:
  void Finish(const ::grpc::Status& status) noexcept {
    if (ended_.exchange(true, std::memory_order_acq_rel)) return;
    try {
      const int code = static_cast<int>(status.error_code());
      SetStatus(*span_, code, status.error_message(), internal::IsClientError(code));
      if (::grpc::ClientContext* context = info_->client_context()) {
        const std::string peer_string = context->peer();
        Endpoint peer;
        if (internal::ParsePeer(peer_string, peer)) {
          SetPeerAttributes(*span_, peer, /*client_side=*/true);
          if (!server_known_) {
            span_->SetAttribute("server.address", peer.address);
            if (peer.port > 0) span_->SetAttribute("server.port", peer.port);
          }
        }
      }
    } catch (...) {
      // Out of memory while describing the call: the span still ends.
    }
    span_->End();
  }

  ::grpc::experimental::ClientRpcInfo* const info_;  // owned by the call's ClientContext
  const trace::SpanPtr span_;                        // set only when the span records
  const std::optional<api::Context> propagate_;      // the context to send, if any
  const bool server_known_;                          // server.* came from the channel target
  std::atomic<bool> ended_{false};
};

class ClientInterceptorFactory final
    : public ::grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit ClientInterceptorFactory(std::string_view target) : target_(target) {
    server_known_ = internal::ParseTarget(target_, server_);
  }

  ::grpc::experimental::Interceptor* CreateClientInterceptor(
      ::grpc::experimental::ClientRpcInfo* info) override {
    try {
      const MethodName name = internal::SplitMethod(info->method() ? info->method() : "");
      // Views only: nothing is built for a tracer that records nothing.
      api::KeyValue attributes[5];
      size_t count = 0;
      attributes[count++] = {"rpc.system", "grpc"};
      if (!name.service.empty()) {  // a "/package.Service/Method" path
        attributes[count++] = {"rpc.service", name.service};
        attributes[count++] = {"rpc.method", name.method};
      }
      if (server_known_) {
        attributes[count++] = {"server.address", server_.address};
        if (server_.port > 0) attributes[count++] = {"server.port", server_.port};
      }
      trace::StartSpanOptions options;
      options.kind = trace::SpanKind::kClient;
      trace::SpanPtr span = GetTracer()->StartSpan(
          SpanName(name), api::AttributeView(std::span<const api::KeyValue>(attributes, count)),
          options);
      const bool recording = span->IsRecording();
      // Propagate our span, or (no SDK, or not sampled) pass on the current context: its span
      // context, baggage.
      std::optional<api::Context> propagate;
      if (recording || span->GetContext().IsValid() || !api::Context::Current().empty())
        propagate = trace::ContextWithSpan(api::Context::Current(), span);
      if (!recording && !propagate) return nullptr;  // nothing to do for this call
      return new ClientInterceptor(info, recording ? std::move(span) : nullptr,
                                   std::move(propagate), server_known_);
    } catch (...) {
      return nullptr;  // out of memory: the call goes ahead untraced
    }
  }

 private:
  const std::string target_;
  Endpoint server_;  // views into target_
  bool server_known_ = false;
};

// ---- server ----

// One call. The hooks of the sync and callback APIs run the handler from inside the Proceed of the
// batch with POST_RECV_INITIAL_METADATA (and, for unary and server-streaming calls,
// POST_RECV_MESSAGE), on the same thread: the span is made current around that Proceed.
class ServerInterceptor final : public ::grpc::experimental::Interceptor {
 public:
  explicit ServerInterceptor(::grpc::experimental::ServerRpcInfo* info) noexcept : info_(info) {}
  ServerInterceptor(const ServerInterceptor&) = delete;
  ServerInterceptor& operator=(const ServerInterceptor&) = delete;

  ~ServerInterceptor() override {
    // Ended without a status sent (cancelled, or the server shut down): the span still ends.
    if (span_ && !ended_.exchange(true, std::memory_order_acq_rel)) {
      if (cancelled_.load(std::memory_order_acquire))
        span_->SetAttribute("rpc.grpc.status_code", static_cast<int>(::grpc::CANCELLED));
      span_->End();
    }
  }

  void Intercept(InterceptorBatchMethods* methods) override {
    if (!started_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      started_ = true;
      std::optional<api::Scope> scope;
      api::Context context = Start(methods);
      if (!context.empty()) scope.emplace(context);
      // Sync and callback APIs: the handler runs in here, on this thread, with the span current.
      // When Proceed returns the call may be over and this interceptor destroyed: only locals
      // are used from here on (the scope ends on the thread that entered it).
      methods->Proceed();
      return;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_CANCEL))
      cancelled_.store(true, std::memory_order_release);
    if (span_ && methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS))
      Finish(methods->GetSendStatus());
    methods->Proceed();
  }

 private:
  // Extracts the caller's context and starts the span. Returns the context to make current for the
  // handler (empty when there is nothing to carry).
  api::Context Start(InterceptorBatchMethods* methods) noexcept {
    try {
      const MethodName name = internal::SplitMethod(info_->method() ? info_->method() : "");
      api::Context parent;
      if (auto* metadata = methods->GetRecvInitialMetadata()) {
        MetadataGetter getter(*metadata);
        parent = propagation::GetGlobalPropagator()->Extract(api::Context(), getter);
      }
      api::KeyValue attributes[3];
      size_t count = 0;
      attributes[count++] = {"rpc.system", "grpc"};
      if (!name.service.empty()) {
        attributes[count++] = {"rpc.service", name.service};
        attributes[count++] = {"rpc.method", name.method};
      }
      trace::StartSpanOptions options;
      options.kind = trace::SpanKind::kServer;
      options.parent = &parent;
      trace::SpanPtr span = GetTracer()->StartSpan(
          SpanName(name),
          api::AttributeView(std::span<const api::KeyValue>(attributes, count)),
          options);
      if (span->IsRecording()) {
        if (::grpc::ServerContextBase* context = info_->server_context()) {
          const std::string peer_string = context->peer();
          Endpoint peer;
          if (internal::ParsePeer(peer_string, peer))
            SetPeerAttributes(*span, peer, /*client_side=*/false);
        }
        span_ = span;
      }
      if (!span->GetContext().IsValid() && parent.empty()) return api::Context();
      return trace::ContextWithSpan(parent, std::move(span));
    } catch (...) {
      return api::Context();  // out of memory: the handler runs untraced
    }
  }

  void Finish(const ::grpc::Status& status) noexcept {
    if (ended_.exchange(true, std::memory_order_acq_rel)) return;
    try {
      const int code = static_cast<int>(status.error_code());
      SetStatus(*span_, code, status.error_message(), internal::IsServerError(code));
    } catch (...) {
    }
    span_->End();
  }

  ::grpc::experimental::ServerRpcInfo* const info_;  // owns this interceptor
  bool started_ = false;   // only the first batch's hooks run before the handler
  trace::SpanPtr span_;    // set only when the span records (before the handler starts)
  std::atomic<bool> ended_{false};
  std::atomic<bool> cancelled_{false};
};

class ServerInterceptorFactory final
    : public ::grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  ::grpc::experimental::Interceptor* CreateServerInterceptor(
      ::grpc::experimental::ServerRpcInfo* info) override {
    return new (std::nothrow) ServerInterceptor(info);
  }
};

}  // namespace

std::unique_ptr<::grpc::experimental::ClientInterceptorFactoryInterface>
CreateClientInterceptorFactory(std::string_view target) {
  return std::make_unique<ClientInterceptorFactory>(target);
}

std::unique_ptr<::grpc::experimental::ServerInterceptorFactoryInterface>
CreateServerInterceptorFactory() {
  return std::make_unique<ServerInterceptorFactory>();
}

std::shared_ptr<::grpc::Channel> CreateInstrumentedChannel(
    const std::string& target, const std::shared_ptr<::grpc::ChannelCredentials>& credentials,
    const ::grpc::ChannelArguments& arguments,
    std::vector<std::unique_ptr<::grpc::experimental::ClientInterceptorFactoryInterface>>
        more_interceptors) {
  std::vector<std::unique_ptr<::grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.reserve(more_interceptors.size() + 1);
  factories.push_back(CreateClientInterceptorFactory(target));
  for (auto& f : more_interceptors) factories.push_back(std::move(f));
  return ::grpc::experimental::CreateCustomChannelWithInterceptors(target, credentials, arguments,
                                                                   std::move(factories));
}

}  // namespace adot::instrumentation::grpc
