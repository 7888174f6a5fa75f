#include "cli/ndjson.hpp"

#include <boost/json/serialize.hpp>

#include <cstdio>
#include <ctime>

namespace r1::cli {

std::string timestamp_ms(std::chrono::system_clock::time_point t) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    auto secs = static_cast<std::time_t>(ms / 1000);
    int millis = static_cast<int>(ms % 1000);
    if (millis < 0) {  // before 1970: floor, not truncate
        --secs;
        millis += 1000;
    }
    std::tm utc{};
    ::gmtime_r(&secs, &utc);
    char buf[48];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", millis);
    return buf;
}

boost::json::object event_object(std::string_view name) {
    boost::json::object o;
    o.reserve(16);
    o["event"] = name;
    o["schema"] = output_schema;
    o["ts"] = timestamp_ms(std::chrono::system_clock::now());
    return o;
}

std::string event_line(const boost::json::object& o) {
    if (o.contains("schema") && o.contains("ts")) return boost::json::serialize(o) + "\n";
    boost::json::object out(o.storage());
    out.reserve(o.size() + 2);
    if (const auto* e = o.if_contains("event")) out["event"] = *e;
    out["schema"] = output_schema;
    out["ts"] = timestamp_ms(std::chrono::system_clock::now());
    for (const auto& [k, v] : o)
        if (k != "event" && k != "schema" && k != "ts") out[k] = v;
    return boost::json::serialize(out) + "\n";
}

}  // namespace r1::cli
