"""Public transport from agencies' GTFS feeds: `gtfs` reads a feed into stations, routes and a
timetable of arrays; `capacity` classes routes by type; `service` counts departures in a time
window; `feed_layers` makes the map's layers of stations and lines."""
