#include "harness/scenario/faults.hpp"

#include <fmt/format.h>

namespace evhil::harness {

const FaultSpec* find_fault(const std::vector<FaultSpec>& faults, const std::string& name) {
    for (const auto& fault : faults) {
        if (fault.name == name) {
            return &fault;
        }
    }
    return nullptr;
}

std::string fault_names(const std::vector<FaultSpec>& faults) {
    std::string names;
    for (const auto& fault : faults) {
        names += (names.empty() ? "" : ", ") + fault.name;
    }
    return names;
}

std::string operator_prompt(const FaultSpec& fault, const std::string& device, bool on) {
    const auto& prompt = on ? fault.prompt_on : fault.prompt_off;
    if (prompt.empty()) {
        return fmt::format("{} fault '{}' on {}", on ? "bring about" : "end", fault.name, device);
    }
    return fmt::format(fmt::runtime(prompt), fmt::arg("device", device));
}

const std::vector<FaultSpec>& driver_faults() {
    static const std::vector<FaultSpec> faults{
        {.name = "driver_stall",
         .owner = FaultSpec::Owner::driver,
         .kind = FaultSpec::Kind::sustained,
         .description = "the driver process hangs: it sends nothing until switched off"},
    };
    return faults;
}

}  // namespace evhil::harness
