#include "simulators/physics/site.hpp"

#include <algorithm>
#include <cmath>

namespace evhil::physics {

double hour_of_day(TimePoint t) {
    auto since_midnight = t - std::chrono::floor<std::chrono::days>(t);
    return to_seconds(since_midnight) / 3600.0;
}

PvModel::PvModel(PvSettings settings, Rng rng) : settings_(settings), rng_(rng) {}

double PvModel::clear_sky_w(TimePoint t) const {
    double hour = hour_of_day(t);
    if (hour <= settings_.sunrise_hour || hour >= settings_.sunset_hour) {
        return 0.0;
    }
    double phase = (hour - settings_.sunrise_hour) / (settings_.sunset_hour - settings_.sunrise_hour);
    return settings_.peak_w * std::pow(std::sin(M_PI * phase), settings_.shape_exponent);
}

void PvModel::generate_clouds_until(TimePoint t) {
    if (!settings_.clouds || settings_.clouds_per_hour <= 0) {
        return;
    }
    auto mean_gap = from_seconds(3600.0 / settings_.clouds_per_hour);
    if (!next_cloud_) {
        next_cloud_ = t + from_seconds(rng_.exponential(to_seconds(mean_gap)));
    }
    while (*next_cloud_ <= t) {
        Duration length = from_seconds(rng_.exponential(to_seconds(settings_.cloud_mean_duration)));
        double depth = settings_.cloud_depth * rng_.uniform(0.4, 1.0);
        clouds_.push_back(Cloud{*next_cloud_, *next_cloud_ + length, depth});
        *next_cloud_ += length + from_seconds(rng_.exponential(to_seconds(mean_gap)));
    }
    // Clouds that have passed are of no further use.
    std::erase_if(clouds_, [t](const Cloud& cloud) { return cloud.end < t; });
}

double PvModel::power_w(TimePoint t) {
    if (override_w_) {
        return *override_w_;
    }
    generate_clouds_until(t);
    double factor = 1.0;
    for (const auto& cloud : clouds_) {
        if (cloud.start <= t && t < cloud.end) {
            factor = std::min(factor, 1.0 - cloud.depth);
        }
    }
    return clear_sky_w(t) * factor;
}

double HouseModel::power_w(TimePoint t) const {
    if (override_w_) {
        return *override_w_;
    }
    double hour = hour_of_day(t);
    auto bump = [hour](double centre, double width) { return std::exp(-std::pow((hour - centre) / width, 2.0)); };
    return settings_.base_w + settings_.morning_peak_w * bump(7.5, 1.0) + settings_.evening_peak_w * bump(19.0, 1.5);
}

SiteSample Site::sample(TimePoint t, double ev_w) {
    SiteSample sample;
    sample.pv_w = pv_.power_w(t);
    sample.house_w = house_.power_w(t);
    sample.ev_w = ev_w;
    sample.grid_w = sample.house_w + sample.ev_w - sample.pv_w;
    return sample;
}

}  // namespace evhil::physics
