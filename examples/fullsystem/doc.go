// Command fullsystem runs the whole multilayer personal health data system on one machine:
// simulated PHD agents, layers of gateways, the server with its database and ledger, and
// the analytics that watch the users, everything on loopback addresses.
//
//	go run ./examples/fullsystem                 # the published 4-layer system, 30 s
//	go run ./examples/fullsystem -agents 1200 -duration 20s
//	go run ./examples/fullsystem -layers 2       # agents straight to the server
//
// # What runs
//
// With no flags: 300 simulated 20601 agents of mixed specializations (blood pressure,
// thermometer, scale, glucose, pulse oximeter and a wrist sensor unit with an extended
// configuration: blood pressure, pulse, temperature and 3-axis acceleration in one report),
// 10 Bluetooth blood pressure cuffs (fake peripherals read by ieee11073/gatt/ble and bridged
// as 10407 agents), two sub-gateways, one main gateway and the server, for 30 seconds.
//
//   - Every agent measures -rate times a second and sends each measurement as a confirmed
//     20601 event report of the private type 0xF001 (MDC_NOTI_PHDKIT_SEALED) whose
//     event-info is a bmsig message (XChaCha20-Poly1305 under the user's password-derived
//     key, bound to the user's BM-signature) sealing the standard fixed scan report the
//     agent would otherwise send (the whole 20601 APDU). It keeps the sealed message until
//     a gateway confirms it and sends the same message again, to the next gateway of its
//     list, after any failure.
//
//   - A sub-gateway is a 20601 manager. It verifies each sealed report (key directory,
//     BM-signature), checks the inner report against the agent's configuration, hands the
//     measurement to the writer of its local store (SQLite in DIR/<name>/local.db, one
//     table per PHD type, devices by System ID), appends it with its origin (system id,
//     config id, arrival time) to its durable queue (group commit, fsync) and only then
//     confirms. A forwarder packs queued entries into integrated messages (internal/wire:
//     one extended 20601 APDU per batch) sent upward over TLS 1.3 with mutual
//     authentication, at most -window unacknowledged, and deletes them from the queue only
//     when the layer above acknowledges and the local store's writer has committed every
//     measurement handed to it before. Main gateways do the same with the batches of the
//     layer below. A full queue blocks the layer below (backpressure), nothing is dropped.
//     The local store is written in batches behind the confirmations and commits without
//     waiting for the disk; a sub-gateway that starts writes the measurements from agents
//     still in its queue into it (a repeat is kept once). So after a process crash at any
//     moment (SIGKILL) and a restart, the local store holds every measurement the
//     sub-gateway confirmed to an agent, and may hold a few whose queue append failed and
//     that the agent sent again. Not covered: a local write that fails (logged, not
//     retried), and an operating-system crash or power loss, which can undo the last local
//     commits of measurements already forwarded.
//
//   - The server verifies every entry again, stores it in SQLite (internal/store: the
//     published DataInfo, DataReportingInfo per PHD type, DeviceInfo and Mapping tables)
//     idempotently by (user, device, bmsig sequence number), appends the SHA-256 of the
//     sealed message to the ledger (ledger/filestore), records the ledger index, hands the
//     measurement to the analytics, and acknowledges the batch. At the end of a run a few
//     stored measurements' ledger inclusion is proved against a signed checkpoint.
//
//   - Analytics: one fall.Detector per user fed with the wrist sensors' acceleration (20 Hz
//     bursts, one per report); a fusion.Engine per user with the latest vitals and notifiers
//     for user, guardian and medical staff (they log with -v and count); -fallers wrist
//     wearers play a generated fall (fall/synth) followed by distressed vitals, so alarms
//     appear: the user is alarmed, does not answer, and guardian and medical staff are
//     notified after -response-timeout. The users' vital-sign records (systolic, diastolic,
//     heart rate, labelled with the fusion stage) are classified by svm.RunWindows in
//     sliding windows of -svm-window records, and the storage reduction of summarising
//     runs of good records is measured.
//
//   - Remote management: every simulated device (and every BLE cuff, through its bridge)
//     has an OMA DM client and a management tree with the PHD management object, and polls
//     its sub-gateway's DM server (HTTP on loopback, auth-md5 credentials derived from the
//     demo's DM secret) every -dm-poll. At -dm-at the server issues -dm (by default
//     Replace ./PHD/Measurement/Interval 2 to every blood pressure monitor): one SyncML
//     message per device, integrated into kind-3 batches sent down every gateway link;
//     gateways pass them down and sub-gateways hold each device's commands for its next
//     session. The devices apply them (a new interval takes effect at once); the statuses
//     go up as kind-2 entries through the same durable queues, and the server reports
//     one status per device. The server records every command in its store (one
//     transaction per issue, before sending) and the first status of each, so a
//     restarted server still lists them and sends the unanswered ones again. The devices
//     a command can go to are those the server has heard from: every device with a
//     stored measurement is in the store's DeviceInfo table, and a restarted server
//     loads them all, so it reaches them without hearing from them again. Gateways keep
//     a mirror of what they know of each device's tree (DevInfo, last session, confirmed
//     changes) in one omadm/tree, cached in memory and written back later (delayed
//     write).
//
// While it runs, one progress line a second (sent, stored, in flight, rate). At the end of
// -duration, or on SIGINT or SIGTERM, the agents stop measuring and deliver what they hold,
// the hierarchy drains, everything shuts down, and the program prints a summary table and
// exactly one JSON line:
//
//	{"sent":8872,"stored":8872,"duplicates":0,"lost":0,"alarms":3,"throughput":295.7,"p50":38.57,"p99":97.83}
//
// sent counts the measurements whose confirmation agents received; stored the
// measurements the server stored; duplicates the entries the server already held (retries
// after a failure); lost = sent - stored (stored may exceed sent by measurements a gateway
// took whose confirmation an agent had not received when it was stopped: stored once all
// the same); throughput is stored per second of the run; p50
// and p99 are the latencies in milliseconds from sealing at the agent to storing at the
// server.
//
// # Flags
//
//	-agents N           simulated 20601 agents (default 300)
//	-ble N              Bluetooth cuffs bridged into the sub-gateways (default 10)
//	-layers L           layers counting agents and server (default 4; 2 = no gateways)
//	-fanin F            lower gateways per upper gateway (default 2)
//	-per-gateway N      agents per sub-gateway (default 300, as published)
//	-duration D         how long agents measure (default 30s)
//	-rate R             measurements per agent per second (default 1)
//	-data DIR           data directory (default: a temporary directory, removed at the end)
//	-batch, -batch-interval, -window   integrated messages: entries, gathering time, window
//	-division=false     one shared DataReportingInfo table instead of one per PHD type
//	-db postgres://...  store on PostgreSQL instead of SQLite
//	-fallers N, -accel-hz HZ, -response-timeout D, -svm-window N   analytics
//	-dm "Replace ./PHD/Measurement/Interval 2 bp", -dm-at D, -dm-poll D   remote management
//	-v                  log every notable event
//
// The number of sub-gateways is ceil(agents / per-gateway), at least fanin^(layers-3); each
// layer above has ceil(n / fanin) gateways. A gateway's upstream list is its parent, then
// the parent's siblings (failover).
//
// # Roles as processes
//
//	fullsystem server  -data DIR -listen 127.0.0.1:7400 [-agents-listen ADDR] [-db postgres://...]
//	fullsystem gateway -data DIR -name gateway-1-0 -agents-listen 127.0.0.1:7410 -up 127.0.0.1:7420,127.0.0.1:7421
//	fullsystem gateway -data DIR -name gateway-2-0 -listen 127.0.0.1:7420 -up 127.0.0.1:7400
//	fullsystem agents  -data DIR -gateways 127.0.0.1:7410,127.0.0.1:7411 -agents 100 -duration 30s
//
// All roles share the data directory's keys.json (the demo key directory, created by the
// server) and pki/ (the demo certificate authority and node certificates); a gateway keeps
// its queue and local store in DIR/<name>. A killed gateway or server restarted with the
// same flags carries on from its queue or database: nothing confirmed is lost and nothing is
// stored twice, and a sub-gateway's local store again holds everything it confirmed.
// Roles listen on loopback addresses only. The server writes DIR/server/status.json every
// second; each role prints one JSON line when it ends. Remote management in process mode:
// sub-gateways serve DM with -dm-listen, agents poll the URLs given with -dm (one per
// -gateways address), and the server issues its -dm command at -dm-at, sending it again to
// gateway links that connect later until every device has answered. A restarted server
// takes the commands it issued and the devices it has stored measurements of from its
// database: it sends the unanswered commands again and issues -dm only to devices that have
// not had it, including devices it has not heard from since the restart.
//
// # Stress: the published experiment
//
//	fullsystem stress [-agents 300,600,1200] [-modes gateways,direct] [-duration 10s] [-ablate]
//
// runs the hierarchy for each agent count twice: through two gateway layers (4 layers) and
// with the agents connected straight to the server (the "normal system"), then the largest
// count through the gateways with database division off and with delayed write off. Each
// run reports offered (agents x rate x duration), sent, stored, lost, delivered (sent /
// offered: what the agents could hand over in time), throughput, p50/p99 latency, and the
// mean execution time per item of the PHD and DM modules at sub-gateway, main gateway and
// server; a table, then one JSON line per run.
//
// # Scale
//
//	fullsystem scale [-agents 20000] [-procs 4] [-subs 4] [-mains 2] [-duration 30s] [-rate 0.2] [-users 20]
//
// starts the server, the main gateways, the sub-gateways and the agent processes as child
// processes of its own, each role on its own loopback address (server 127.0.10.1, main
// gateways 127.0.11.N, sub-gateways 127.0.12.N, agent processes connecting from
// 127.0.13.N), since a process here may hold at most 20,000 open files and a source address
// has about 28,000 ephemeral ports. Every agent keeps its own TCP connection. At the end it
// waits until the server holds everything the agents sent, stops every process, and prints
// sent, stored, duplicates, lost, the end-to-end rate and the peak resident memory of each
// role, then one JSON line.
//
// # Concurrency
//
// Each agent, gateway association, link and forwarder runs in its own goroutine; one
// goroutine owns the analytics' detectors and engines. Everything takes a context and
// shuts down cleanly; the program leaves no process or goroutine behind.
package main
