// Package store keeps the measurements the server and the gateways receive, in the published
// tables, on SQLite (embedded, the default) or PostgreSQL.
//
//	s, err := store.Open(ctx, filepath.Join(dataDir, "server.db"), store.Config{})
//	// or store.Open(ctx, "postgres://phdkit@127.0.0.1:5432/phdkit", store.Config{})
//	defer s.Close()
//	o, err := store.NewObservation(store.Metric(2, 18949), 3872, "128", t) // systolic, mmHg
//	id, err := s.Put(ctx, &store.Measurement{User: 7, SystemID: sys, ConfigID: store.ConfigBP,
//		Seq: 42, Measured: t, Digest: d, Observations: []store.Observation{o}})
//	if errors.Is(err, store.ErrDuplicate) {
//		// already stored (a retry): acknowledge it again, count it, store nothing
//	}
//	rows, err := s.Query(ctx, store.Query{User: 7, Metric: store.Metric(2, 18949), From: day, To: day.AddDate(0, 0, 1)})
//	days, err := s.Aggregate(ctx, store.Query{User: 7, Offset: 9 * time.Hour}, store.StepDay)
//
// The server appends each stored record's digest to the ledger, then records the index with
// SetLedgerIndex; after a crash between the two, Unledgered lists what is still to append.
// It also records the remote-management commands it issues (PutDMCommands, before sending
// them) and their statuses (SetDMStatuses, the first per command), so that after a restart
// DMCommands gives it every command back and it can send the unanswered ones again.
// AllDevices lists every device stored (DeviceInfo is written with each device's
// measurements), so that a restarted server knows the devices it had heard from.
//
// # Tables
//
// Created on open and migrated by a schema_version table (store_settings keeps the division
// setting a database was created with):
//
//	DeviceInfo(system_id PK, config_id, user_id, model, first_seen, last_seen)
//	Mapping(user_id, system_id, PK(user_id, system_id))             user ↔ device
//	DataInfo(id PK, user_id, system_id, seq, config_id, phd_type, measured_at,
//	         received_at, stored_at, digest, ledger_index, UNIQUE(user_id, system_id, seq))
//	DataReportingInfo_<type>(data_id FK DataInfo, ord, metric, unit, value, value_f64,
//	         measured_at, PK(data_id, ord))
//	DMCommand(id PK, ref UNIQUE, device, kind, command, issued_at, origin, config_id,
//	         received_at, body, status, answered_at)                  since version 2
//
// with one DataReportingInfo table per PHD type (bp, thermo, scale, glucose, oximeter, wrist,
// other), or with Config.NoDivision one shared DataReportingInfo table. Beyond the published
// columns, DataInfo.phd_type names the table a measurement's observations are in, and ord
// keeps the observations in the order given. Times are Unix nanoseconds (UTC); user ids and
// sequence numbers are stored as the same 64 bits in signed columns; metric is the 11073
// TYPE (partition<<16 | code); value is the exact decimal text the device sent and value_f64
// the same number as a float64 (aggregates use it). A DMCommand row keeps the integrated-message
// entry that carries the command (origin, config_id, received_at, body) to send it again;
// its status is 0 and answered_at 0 until the device answers. A database of an earlier
// schema version is upgraded in place when opened.
//
// # Nothing doubled
//
// A measurement is identified by (user, device system id, bmsig sequence number). Put and
// PutBatch store each measurement with its observations atomically; a repeat of a stored
// key stores nothing, returns ErrDuplicate with the stored id, and is counted in Stats. This
// holds under any concurrency, across processes sharing a PostgreSQL database and across
// reopening.
//
// # Backends
//
// SQLite (modernc.org/sqlite, pure Go): WAL mode; one writer goroutine owns the only writing
// connection and commits every Put and PutBatch waiting at that moment in one transaction
// with prepared statements (group commit), so thousands of measurements per second share a
// few fsyncs; readers use their own connections. PostgreSQL (pgx/v5 pool): one transaction
// per PutBatch, pipelined DataInfo inserts then one unnest() insert per DataReportingInfo
// table; concurrent batches lock rows in a fixed order and are retried on deadlock.
//
// # Errors
//
// Sentinel errors ErrDuplicate, ErrInvalid, ErrNotFound, ErrClosed, ErrSchemaVersion and
// ErrDivisionMismatch; check them with errors.Is. Error strings name identifiers (user,
// device, sequence number, observation index, field) and never a measured value.
//
// # Buffers and concurrency
//
// Every method is safe for concurrent use. Put and PutBatch read the Measurements only until
// they return and keep no reference; they do not modify them. Returned slices belong to the
// caller. Every call takes a context: a call whose context ends before its write starts
// stores nothing; one that ends during the write returns ctx.Err() and may have stored the
// measurement, which a retry then reports as a duplicate. Close waits for the write under
// way. The SQLite backend runs one goroutine (the writer) from Open to Close.
package store
