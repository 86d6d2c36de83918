#pragma once
// Optional parts of evchargerd that link heavy libraries (paho-mqtt-c, OpenSSL) live in modules loaded with dlopen
// only when the configuration needs them: linking them costs every process about 2 MiB of RSS, used or not.
//
// Where a module is looked for, first found wins:
//   1. $EVCHARGERD_MODULE_DIR
//   2. the folder of the running evchargerd (the build folder; /data/etc/evchargerd on Venus OS)
//   3. <that folder>/../lib/evchargerd (/usr/lib/evchargerd for /usr/bin/evchargerd)
// A module is never unloaded: objects made by it may live until the process ends.

#include <string>

namespace evhil {

// The address of `symbol` in the module `file`; throws std::runtime_error naming every place tried and dlerror()'s
// reason. `what` names the module for the message ("the MQTT module").
void* load_module_symbol(const std::string& file, const std::string& symbol, const std::string& what);

}  // namespace evhil
