-- one database per service that owns state (run once, by the postgres image, on an empty data volume)
CREATE DATABASE apimon_key;
CREATE DATABASE apimon_usage;
CREATE DATABASE apimon_rating;
CREATE DATABASE apimon_invoice;
