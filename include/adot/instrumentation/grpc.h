// gRPC (grpc++) instrumentation: a client interceptor (one CLIENT span per call, trace context
// sent as metadata) and a server interceptor (one SERVER span per call, the caller's context
// extracted from the metadata and made current for the handler). Link adot::instrumentation_grpc
// (adot_api and grpc++ only).
//
// Client: add the factory to the channel's interceptors. Pass the channel target so spans get
// server.address / server.port (grpc::Channel does not tell its target).
//
//   std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> f;
//   f.push_back(adot::instrumentation::grpc::CreateClientInterceptorFactory(target));
//   auto channel = grpc::experimental::CreateCustomChannelWithInterceptors(
//       target, grpc::InsecureChannelCredentials(), grpc::ChannelArguments(), std::move(f));
//
// or, the same in one call:
//   auto channel = adot::instrumentation::grpc::CreateInstrumentedChannel(target, credentials);
//
// Server: add the factory to the server's interceptors.
//
//   std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> f;
//   f.push_back(adot::instrumentation::grpc::CreateServerInterceptorFactory());
//   builder.experimental().SetInterceptorCreators(std::move(f));
//
// Which code sees the server span as the current span: everything the sync API's handler runs
// (unary and streaming), and the callback API's method body (the function that returns the
// reactor). Reactor callbacks that run later (OnReadDone, ...) and the async (completion queue) API
// run outside the interceptor and do not: the span is still recorded, and is ended with the status.
// An interceptor registered before this one (they run in reverse order on receive) that delays the
// call (calls Proceed later from another thread) also takes the handler out of the span's scope.
//
// The interceptors never throw and never change a call's outcome: when anything goes wrong (out of
// memory) the call goes ahead untraced. With no SDK installed nothing is recorded: the client sends
// the current context on only when there is one to pass on, and the server extracts the caller's
// context (so a call made by the handler carries it on) only when a propagator is set.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/client_interceptor.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace adot::instrumentation::grpc {

// The instrumentation scope name of the spans.
inline constexpr std::string_view kInstrumentationName = "adot.instrumentation.grpc";

// The client interceptor factory. target: the channel's target as given to grpc::CreateChannel
// ("localhost:50051", "dns:///api.example.com:443", "ipv4:10.0.0.1:50051", "unix:/tmp/s.sock"),
// for server.address / server.port; empty: those come from the connected peer's address instead.
std::unique_ptr<::grpc::experimental::ClientInterceptorFactoryInterface>
CreateClientInterceptorFactory(std::string_view target = {});

// The server interceptor factory.
std::unique_ptr<::grpc::experimental::ServerInterceptorFactoryInterface>
CreateServerInterceptorFactory();

// grpc::experimental::CreateCustomChannelWithInterceptors with the client interceptor first, then
// the given ones.
std::shared_ptr<::grpc::Channel> CreateInstrumentedChannel(
    const std::string& target, const std::shared_ptr<::grpc::ChannelCredentials>& credentials,
    const ::grpc::ChannelArguments& arguments = ::grpc::ChannelArguments(),
    std::vector<std::unique_ptr<::grpc::experimental::ClientInterceptorFactoryInterface>>
        more_interceptors = {});

}  // namespace adot::instrumentation::grpc
