#pragma once
// Where the controllers get the site's power flows and home battery from: the GX's system service
// (drivers/meters/victron_system/), and later a grid meter. The station reads it on every control cycle.

#include "drivers/control/controller.hpp"

namespace evhil::control {

class SiteMeter {
public:
    virtual ~SiteMeter() = default;
    // The latest reading; `valid` is false until the first one, and while the source is away.
    virtual SiteReading reading() const = 0;
};

}  // namespace evhil::control
