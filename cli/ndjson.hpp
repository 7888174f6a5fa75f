#pragma once
/// The envelope of every NDJSON event r1 writes: `event`, then `schema` (the version of the
/// schemas/*.schema.json files the event follows) and `ts` (when it was written: RFC 3339, UTC,
/// milliseconds), then the event's own fields. --report documents carry the same `schema`.
#include <boost/json/object.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace r1::cli {

/// Raised when a field changes meaning or goes away; a new field keeps the number.
inline constexpr int output_schema = 1;

/// "2026-12-07T04:21:00.123Z"
std::string timestamp_ms(std::chrono::system_clock::time_point t);

/// A new event: {"event": name, "schema": 1, "ts": now}; its fields follow.
boost::json::object event_object(std::string_view name);

/// `o` as one NDJSON line, newline included. An object that did not start as event_object() gets
/// `schema` and `ts` (now) after its `event` here.
std::string event_line(const boost::json::object& o);

}  // namespace r1::cli
