#pragma once
// The signals and metrics every charger driver has, read through the charger contract: one list for all rigs.

#include <map>
#include <string>

#include "drivers/chargers/common/charger_driver.hpp"
#include "harness/devices/rig.hpp"

namespace evhil::harness {

void add_driver_signals(const SignalAdder& add, const chargers::ChargerDriver& driver);
std::map<std::string, double> driver_metrics(const chargers::ChargerDriver& driver);

}  // namespace evhil::harness
