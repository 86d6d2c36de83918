#pragma once
// The MQTT-JSON charger's row of the station's charger table.
//
//   devices:
//     diy:
//       type: mqtt_json
//       endpoint: {host: 127.0.0.1, port: 1883, username: evcharger, password: secret}   # the broker
//       driver: {topic: custom/ev-charger, command_topic: custom/ev-charger/set, timeout: 60s, voltage: 230}

#include "drivers/chargers/common/charger_kind.hpp"

namespace evhil::mqtt_json {

chargers::ChargerKind charger_kind();

}  // namespace evhil::mqtt_json
