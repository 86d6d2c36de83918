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
    double peak = settings_.peak_w;
    double sunrise = settings_.sunrise_hour;
    double sunset = settings_.sunset_hour;
    if (settings_.seasons) {
        // 1 at the summer solstice (day 172), 0 at the winter one.
        auto day = std::chrono::floor<std::chrono::days>(t);
        auto year_start = std::chrono::sys_days(std::chrono::year_month_day(day).year() / std::chrono::January / 1);
        double day_of_year = static_cast<double>((day - year_start).count());
        double summer = 0.5 * (1.0 + std::cos(2.0 * M_PI * (day_of_year - 172.0) / 365.25));
        peak *= settings_.winter_share + (1.0 - settings_.winter_share) * summer;
        double shorter_by = (1.0 - summer) * settings_.day_length_swing_h / 2.0;
        sunrise += shorter_by;
        sunset -= shorter_by;
    }
    if (hour <= sunrise || hour >= sunset) {
        return 0.0;
    }
    double phase = (hour - sunrise) / (sunset - sunrise);
    return peak * std::pow(std::sin(M_PI * phase), settings_.shape_exponent);
}

double PvModel::weather_factor(TimePoint t) const {
    if (!settings_.daily_weather) {
        return 1.0;
    }
    auto day = std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
    // A day's weather is drawn once: seeding its stream costs more than the rest of a physics step.
    if (weather_day_ != day) {
        Rng weather = rng_.fork("weather:" + std::to_string(day));
        double kind = weather.uniform(0.0, 1.0);
        if (kind < 0.45) {
            weather_factor_ = weather.uniform(0.9, 1.0);  // clear
        } else {
            weather_factor_ = kind < 0.8 ? weather.uniform(0.45, 0.85) : weather.uniform(0.1, 0.3);  // mixed, overcast
        }
        weather_day_ = day;
    }
    return weather_factor_;
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
    return clear_sky_w(t) * factor * weather_factor(t);
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
