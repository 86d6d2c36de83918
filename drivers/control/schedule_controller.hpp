#pragma once
// Scheduled charging (Venus /Mode 2): inside a window of the weekly schedule the charger charges at the window's
// current (else the user's), outside it waits and shows Waiting for start (6), as victron-alfen-charger does. Pure:
// the time is an input. Price strategies (Tibber, Octopus) come on top of this as later windows.
//
// Covered by tests/unit/weekly_schedule_test.cpp and scenarios/schedule/.

#include "drivers/control/controller.hpp"
#include "drivers/control/weekly_schedule.hpp"

namespace evhil::control {

class ScheduleController final : public Controller {
public:
    explicit ScheduleController(WeeklySchedule schedule) : schedule_(std::move(schedule)) {}
    Decision decide(const ControlInputs& inputs) override;
    const WeeklySchedule& schedule() const { return schedule_; }

private:
    WeeklySchedule schedule_;
};

}  // namespace evhil::control
