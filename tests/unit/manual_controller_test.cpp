#include <gtest/gtest.h>

#include <vector>

#include "drivers/control/manual_controller.hpp"

namespace evhil::control {
namespace {

struct Applied {
    std::vector<double> setpoints;
    std::function<void(double)> sink() {
        return [this](double amps) { setpoints.push_back(amps); };
    }
};

TEST(ManualController, StoppedMeansZeroAndStartGivesTheRequestedCurrent) {
    Applied applied;
    ManualController controller(ManualSettings{.start_enabled = false, .current_a = 10}, applied.sink());
    controller.update();
    EXPECT_EQ(applied.setpoints.back(), 0.0);
    controller.start();
    EXPECT_EQ(applied.setpoints.back(), 10.0);
    controller.stop();
    EXPECT_EQ(applied.setpoints.back(), 0.0);
}

TEST(ManualController, ClampsToTheLowestLimitAndTheMinimum) {
    Applied applied;
    ManualController controller(ManualSettings{.start_enabled = true, .current_a = 16, .max_current_a = 20},
                                applied.sink());
    controller.set_current(25);
    EXPECT_EQ(applied.setpoints.back(), 20.0);  // the configured maximum
    controller.set_charger_limit(13);
    EXPECT_EQ(applied.setpoints.back(), 13.0);  // the station's own maximum is lower
    controller.set_current(3);
    EXPECT_EQ(applied.setpoints.back(), 6.0);  // IEC 61851 minimum while charging
    controller.set_charger_limit(5);
    EXPECT_EQ(applied.setpoints.back(), 0.0);  // no room for the minimum: pause rather than exceed a limit
}

}  // namespace
}  // namespace evhil::control
