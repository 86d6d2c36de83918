#pragma once
// Records every signal of a run as a time series on a common time axis. Components register a getter per
// signal; sample() reads them all. States are recorded as numbers with labels, so expectations can name them.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/result.hpp"

namespace evhil::harness {

class Recorder {
public:
    using Getter = std::function<double()>;

    void add(std::string name, std::string unit, Getter getter, std::vector<std::string> labels = {}) {
        recording_.signals.push_back(SignalSeries{std::move(name), std::move(unit), {}});
        getters_.push_back(std::move(getter));
        labels_.push_back(std::move(labels));
    }
    void sample(double time_s) {
        recording_.times_s.push_back(time_s);
        for (std::size_t i = 0; i < getters_.size(); ++i) {
            recording_.signals[i].values.push_back(getters_[i]());
        }
    }
    void reserve(std::size_t samples) {
        recording_.times_s.reserve(samples);
        for (auto& signal : recording_.signals) {
            signal.values.reserve(samples);
        }
    }
    // The numeric value of a state label of a signal ("running" for driver.state).
    std::optional<double> label_value(const std::string& signal, const std::string& label) const {
        for (std::size_t i = 0; i < recording_.signals.size(); ++i) {
            if (recording_.signals[i].name != signal) {
                continue;
            }
            for (std::size_t value = 0; value < labels_[i].size(); ++value) {
                if (labels_[i][value] == label) {
                    return static_cast<double>(value);
                }
            }
        }
        return std::nullopt;
    }
    std::vector<std::string> names() const {
        std::vector<std::string> result;
        for (const auto& signal : recording_.signals) {
            result.push_back(signal.name);
        }
        return result;
    }
    const Recording& recording() const { return recording_; }
    Recording take() { return std::move(recording_); }

private:
    Recording recording_;
    std::vector<Getter> getters_;
    std::vector<std::vector<std::string>> labels_;
};

}  // namespace evhil::harness
