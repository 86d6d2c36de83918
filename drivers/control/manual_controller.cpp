#include "drivers/control/manual_controller.hpp"

namespace evhil::control {

ManualSettings parse_manual_settings(const ConfigNode& node) {
    node.allow_keys({"type", "enabled", "current", "max_current", "min_current", "solar", "schedule"});
    ManualSettings s;
    s.start_enabled = node.get_bool("enabled", s.start_enabled);
    s.max_current_a = node.get_double("max_current", s.max_current_a, 6.0, 80.0);
    s.min_current_a = node.get_double("min_current", s.min_current_a, 6.0, s.max_current_a);
    s.current_a = node.get_double("current", s.current_a, 0.0, 80.0);
    return s;
}

}  // namespace evhil::control
