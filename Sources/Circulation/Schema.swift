import GRDB

/// The store's schema, as numbered migrations (GRDB records applied ones in
/// `grdb_migrations`). Never edit a shipped migration: add the next one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: items, gate keys, hot list, event log, visitors, outbox, imports") { db in
            // One row per item, keyed by the primary item identifier (the tag's PII).
            try db.execute(
                sql: """
                    CREATE TABLE items (
                      pii TEXT PRIMARY KEY NOT NULL,
                      key INTEGER NOT NULL,            -- CirculationKey(pii), the index key
                      owner_isil TEXT,
                      loan_state TEXT NOT NULL,        -- LoanState name
                      due_date TEXT,                   -- YYYY-MM-DD, when on loan
                      title TEXT,
                      updated_at INTEGER NOT NULL,     -- Unix ms
                      source TEXT NOT NULL             -- ItemSource name
                    ) WITHOUT ROWID;
                    """)
            // The gate's projection: what the in-memory index holds, one small row per key, so
            // a cold start reads ~12 bytes per item instead of whole item rows. Written in the
            // same transaction as items and hot_list; state = CacheEntry.raw (never 0).
            try db.execute(sql: "CREATE TABLE gate_keys (key INTEGER PRIMARY KEY, state INTEGER NOT NULL CHECK (state BETWEEN 1 AND 255));")
            try db.execute(
                sql: """
                    CREATE TABLE hot_list (
                      pii TEXT PRIMARY KEY NOT NULL,
                      key INTEGER NOT NULL,
                      reason TEXT NOT NULL,           -- stolen, missing, ...
                      note TEXT,
                      added_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
            // Event log: every alarm, with the title as the cache knew it at the time.
            try db.execute(
                sql: """
                    CREATE TABLE alarms (
                      id INTEGER PRIMARY KEY,
                      at INTEGER NOT NULL,            -- Unix ms
                      item TEXT,                      -- NULL when the tag could not be decoded
                      tag_uid TEXT NOT NULL,
                      title TEXT,
                      owner_isil TEXT,
                      part INTEGER, parts INTEGER,
                      reader TEXT NOT NULL,
                      antenna INTEGER NOT NULL,
                      afi INTEGER NOT NULL,
                      reason TEXT NOT NULL
                    );
                    CREATE INDEX alarms_at ON alarms(at);
                    """)
            // Visitor counts per 15 minutes (bucket = Unix seconds of the quarter hour's start).
            try db.execute(
                sql: """
                    CREATE TABLE visitors (
                      bucket INTEGER PRIMARY KEY,
                      in_count INTEGER NOT NULL DEFAULT 0,
                      out_count INTEGER NOT NULL DEFAULT 0
                    );
                    """)
            // Placeholder for the SIP2 outbox, replaced by v2's sip2_outbox.
            try db.execute(
                sql: """
                    CREATE TABLE outbox (
                      id INTEGER PRIMARY KEY,
                      created_at INTEGER NOT NULL,    -- Unix ms, the original transaction time
                      kind TEXT NOT NULL,             -- checkout, checkin, ...
                      item TEXT NOT NULL,
                      patron TEXT,
                      payload TEXT,
                      attempts INTEGER NOT NULL DEFAULT 0,
                      last_error TEXT,
                      next_attempt_at INTEGER,
                      sent_at INTEGER
                    );
                    CREATE INDEX outbox_pending ON outbox(sent_at, next_attempt_at);
                    """)
            // CSV imports: progress is committed with each batch of rows, so an interrupted
            // import resumes at the first row not yet committed.
            try db.execute(
                sql: """
                    CREATE TABLE imports (
                      id INTEGER PRIMARY KEY,
                      path TEXT NOT NULL,
                      fingerprint TEXT NOT NULL,      -- size + first bytes: the same file?
                      replace INTEGER NOT NULL,
                      started_at INTEGER NOT NULL,
                      finished_at INTEGER,
                      status TEXT NOT NULL,           -- running, done, abandoned
                      byte_offset INTEGER NOT NULL DEFAULT 0,
                      line INTEGER NOT NULL DEFAULT 0,
                      accepted INTEGER NOT NULL DEFAULT 0,
                      rejected INTEGER NOT NULL DEFAULT 0,
                      header TEXT
                    );
                    CREATE TABLE import_rejects (
                      import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
                      line INTEGER NOT NULL,
                      reason TEXT NOT NULL,
                      row TEXT
                    );
                    CREATE INDEX import_rejects_by_import ON import_rejects(import_id, line);
                    """)
            // Changes made by other processes (rfidgatectl), tailed by a running daemon so its
            // index follows them live; `generation` bumps when a whole import has landed.
            try db.execute(
                sql: """
                    CREATE TABLE item_changes (
                      seq INTEGER PRIMARY KEY AUTOINCREMENT,
                      key INTEGER NOT NULL,
                      state INTEGER NOT NULL,         -- CacheEntry.raw; 0 = deleted
                      at INTEGER NOT NULL
                    );
                    CREATE TABLE meta (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
                    INSERT INTO meta(name, value) VALUES ('generation', 0);
                    """)
        }
        m.registerMigration("v2: SIP2 outbox with idempotency keys, nb due dates and dead letters; sync state") { db in
            // v1's `outbox` was a placeholder no release ever wrote; the SIP2 sync needs more:
            // the station's idempotency key (enqueueing a loan twice must not make two), the due
            // date the patron was told, and a dead-letter state for permanent refusals.
            // Rows are written and read by SIP2Sync.CirculationOutbox.
            try db.execute(
                sql: """
                    DROP TABLE outbox;
                    CREATE TABLE sip2_outbox (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: ids are FIFO order and staff refer to them
                      key TEXT NOT NULL UNIQUE,              -- the station's idempotency key
                      kind TEXT NOT NULL CHECK (kind IN ('checkout', 'checkin')),
                      patron TEXT,
                      item TEXT NOT NULL,
                      transaction_unix INTEGER NOT NULL,     -- when the patron was told
                      transaction_date TEXT NOT NULL,        -- the same, as sent to the ILS (box's local time)
                      nb_due_date TEXT,                      -- the due date the patron was given
                      state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
                      attempts INTEGER NOT NULL DEFAULT 0,   -- sends that may have reached the ILS
                      last_error TEXT,
                      resolution TEXT,                       -- how we know the ILS has it
                      finished_unix INTEGER
                    );
                    CREATE INDEX sip2_outbox_pending ON sip2_outbox(state, id);
                    CREATE TABLE sip2_sync_state (
                      id INTEGER PRIMARY KEY CHECK (id = 1),
                      last_success_unix INTEGER, last_error TEXT, last_error_unix INTEGER, offline_since_unix INTEGER,
                      acs_online INTEGER, acs_offline_ok INTEGER, acs_checkout_ok INTEGER, acs_checkin_ok INTEGER, acs_at_unix INTEGER
                    );
                    INSERT INTO sip2_sync_state (id) VALUES (1);
                    """)
        }
        m.registerMigration("v3: SIP2 outbox failure count, per-entry backoff, per-item order") { db in
            // failures: lost answers while this entry was in flight (a poisoned entry is capped
            // and dead-lettered instead of blocking the queue forever); attempts keeps counting
            // sends that may have reached the ILS, which decides "ask with 17 first".
            try db.execute(
                sql: """
                    ALTER TABLE sip2_outbox ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE sip2_outbox ADD COLUMN next_attempt_unix INTEGER;
                    CREATE INDEX sip2_outbox_item ON sip2_outbox(item, state, id);
                    """)
        }
        m.registerMigration("v4: station journal, patrons seen in good standing, tag fixes") { db in
            // One row per item worked at a station; each phase is committed before it is acted
            // on (the station's crash recovery reads the open ones). Open rows are few: the
            // partial index keeps the start-up scan off the history.
            try db.execute(
                sql: """
                    CREATE TABLE station_journal (
                        id INTEGER PRIMARY KEY,
                        session TEXT NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('checkout', 'renewal', 'checkin')),
                        patron TEXT,
                        item TEXT NOT NULL,
                        title TEXT,
                        tag TEXT,
                        phase TEXT NOT NULL,
                        offline INTEGER NOT NULL DEFAULT 0,
                        outbox_key TEXT,
                        note TEXT,
                        created_unix INTEGER NOT NULL,
                        updated_unix INTEGER NOT NULL
                    );
                    CREATE INDEX station_journal_open ON station_journal(id)
                        WHERE phase IN ('planned', 'ils-sent', 'accepted', 'tag-writing', 'cancelling');
                    CREATE TABLE station_patrons (
                        patron TEXT PRIMARY KEY NOT NULL,
                        last_good_unix INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE station_tag_fixes (
                        id INTEGER PRIMARY KEY,
                        at_unix INTEGER NOT NULL,
                        item TEXT NOT NULL,
                        tag TEXT NOT NULL,
                        from_afi INTEGER,
                        to_afi INTEGER NOT NULL,
                        reason TEXT NOT NULL
                    );
                    """)
        }
        m.registerMigration("v5: items' call number and shelf location (the gate screen shows them with alarms)") { db in
            try db.execute(
                sql: """
                    ALTER TABLE items ADD COLUMN call_number TEXT;
                    ALTER TABLE items ADD COLUMN shelf_location TEXT;
                    """)
        }
        return m
    }
}
