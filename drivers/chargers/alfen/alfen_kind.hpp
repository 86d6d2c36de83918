#pragma once
// The Alfen NG9xx row of the station's charger table.

#include "drivers/chargers/common/charger_kind.hpp"

namespace evhil::alfen {

chargers::ChargerKind charger_kind();

}  // namespace evhil::alfen
