#include <gtest/gtest.h>

#include "drivers/control/manual_controller.hpp"

namespace evhil::control {
namespace {

TEST(ManualController, AsksForTheUsersCurrentRaisedToTheMinimum) {
    ManualController controller(ManualSettings{.start_enabled = true, .current_a = 16, .min_current_a = 6});
    EXPECT_EQ(controller.request_a(13), 13.0);
    EXPECT_EQ(controller.request_a(3), 6.0);    // "as slowly as possible", not a pause
    EXPECT_EQ(controller.request_a(40), 40.0);  // limits are the safety limiter's business
}

}  // namespace
}  // namespace evhil::control
