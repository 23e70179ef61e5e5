// The SQL instrumentation tests' SDK fixture and span readers (support/span_test_util.h).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "support/span_test_util.h"

namespace adot::testing {

using adot::test::ExceptionAttr;
using adot::test::FindAttr;
using adot::test::GlobalTracing;
using adot::test::HasAttr;
using adot::test::IntAttr;
using adot::test::StrAttr;

}  // namespace adot::testing
