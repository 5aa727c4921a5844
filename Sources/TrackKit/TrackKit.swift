/// TrackKit: experiments, runs, parameters, metrics and tags on SQLite.
public enum TrackKit {}
