#pragma once
// The virtual GX's settings as YAML keys, read the same way by `evhil sim gx --site FILE` and by a scenario's gx:
// section (docs/venus.md):
//
//   pv_position: dc            # dc | ac_output | ac_input: where the PV is connected
//   battery: {capacity: 10000, soc: 50, max_charge: 3000, max_discharge: 3000}   # Wh, %, W, W; or false: none
//   min_soc: 10                # /Settings/CGwacs/BatteryLife/MinimumSocLimit, %
//   grid_setpoint: 0           # /Settings/CGwacs/AcPowerSetPoint, W
//   portal_id: c0ffee000001
//
// The caller says which keys its file allows (the standalone adds the site's PV and house load).

#include <string>
#include <vector>

#include "drivers/core/config.hpp"
#include "simulators/victron/virtual_gx.hpp"

namespace evhil::sim::victron {

const std::vector<std::string>& gx_config_keys();
PvPosition parse_pv_position(const std::string& text);
// Reads the keys above that `node` has into `gx`; throws ConfigError at a bad one.
void read_gx_config(const ConfigNode& node, GxSettings& gx);

}  // namespace evhil::sim::victron
