#pragma once
// The charger table: every charger type the station can drive. Adding a charger is one row in
// charger_kinds.cpp, pointing at its driver folder.

#include <string>
#include <vector>

#include "drivers/chargers/common/charger_kind.hpp"

namespace evhil::station {

const std::vector<chargers::ChargerKind>& charger_kinds();
// nullptr when there is no such type.
const chargers::ChargerKind* find_charger_kind(const std::string& type);
std::vector<std::string> charger_type_names();

}  // namespace evhil::station
