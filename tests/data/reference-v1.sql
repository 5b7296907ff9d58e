-- A document in Loadstar's schema version 1, as an early build wrote it:
-- properties as one JSON column per node, "interval" for HAProxy's inter,
-- the kind id "loadbalancer", links with from_node/to_node, no
-- application_id. reference-v1.loadstar is this script run by sqlite3;
-- tests/app/tst_documentfile.cpp checks it opens migrated to the current
-- schema with nothing lost.
CREATE TABLE loadstar (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO loadstar VALUES ('schema', '1');
INSERT INTO loadstar VALUES ('generator', 'Loadstar 0.0.1');
CREATE TABLE nodes (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,
                    x REAL, y REAL, properties TEXT NOT NULL);
INSERT INTO nodes VALUES (1, 'client', 'browser', 0, 0, '{"rate": 50}');
INSERT INTO nodes VALUES (2, 'loadbalancer', 'edge', 0, 150, '{"port": 8000, "balance": "leastconn"}');
INSERT INTO nodes VALUES (3, 'web-server', 'web-a', -150, 300, '{"port": 8001, "interval": 1000, "rise": 3}');
INSERT INTO nodes VALUES (4, 'web-server', 'web-b', 150, 300, '{"port": 8002, "backup": true, "interval": 4000}');
INSERT INTO nodes VALUES (5, 'database', 'pg-main', -150, 450, '{"engine": "postgresql", "port": 5432, "check": "pgsql"}');
INSERT INTO nodes VALUES (6, 'database', 'pg-standby', 150, 450, '{"engine": "postgresql", "port": 5433, "role": "replica"}');
INSERT INTO nodes VALUES (7, 'firewall', 'fw', 0, 75, '{"allow": "10.0.0.0/8"}');
INSERT INTO nodes VALUES (8, 'monitor', 'watch', 300, 150, '{"interval": 5000}');
CREATE TABLE links (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, from_node INTEGER NOT NULL, to_node INTEGER NOT NULL);
INSERT INTO links VALUES (1, 'http', 1, 7);
INSERT INTO links VALUES (2, 'http', 7, 2);
INSERT INTO links VALUES (3, 'http', 2, 3);
INSERT INTO links VALUES (4, 'http', 2, 4);
INSERT INTO links VALUES (5, 'tcp', 3, 5);
INSERT INTO links VALUES (6, 'tcp', 4, 5);
INSERT INTO links VALUES (7, 'replication', 5, 6);
INSERT INTO links VALUES (8, 'tcp', 8, 2);
