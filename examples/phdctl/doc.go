// Command phdctl is a tool for people debugging personal health devices: it decodes and
// encodes IEEE 11073-20601 APDUs, runs a manager that prints what agents send, simulates
// agents, reads Bluetooth health devices, and speaks OMA DM.
//
// Usage:
//
//	phdctl decode HEX        print each APDU in HEX (or in stdin for "-") as one line of JSON
//	phdctl encode            read JSON APDUs from stdin, print each as one line of hex
//	phdctl manager --listen ADDR [--no-mds]
//	phdctl agent --connect ADDR --specialization bp|thermo|scale|glucose|oximeter
//	             [--count N] [--interval D] [--system-id HEX16]
//	phdctl ble watch [--address MAC,...] [--adapter hci0] [--scan D] [--fake] [--count N]
//	phdctl dm decode FILE | dm encode --wbxml FILE | dm server --listen ADDR ... | dm client --server URL ...
//	phdctl dm notify --server-id ID --password P ... | dm notify --decode HEX ...
//
// ble watch reads Bluetooth LE health devices through BlueZ (Linux) and prints one JSON line
// per reading: "event" ("reading"), "device" (address), "characteristic" and "uuid", "received"
// (RFC 3339), "stored" (a stored record with a sequence number or time stamp), "value" (the raw
// characteristic value in hex) and "observations", each with "metric"/"metric_code",
// "unit"/"unit_code", "value" (exact decimal), "time" when the device stamped it and "interim"
// for cuff pressures while inflating. Without --address it scans for devices offering a health
// service; --fake reads three built-in fake devices instead of a radio. The dm commands are
// described under "OMA DM" below.
//
// decode and encode are inverses: phdctl decode HEX | phdctl encode prints HEX again,
// octet for octet. Hex input may contain spaces, newlines and colons. A decoding error
// names the ASN.1 field and its offset, e.g. "decoding APDU.length at offset 2".
//
// The manager and agent commands stop cleanly on SIGINT or SIGTERM: the manager releases
// every association (RLRQ) before it exits, the agent releases its own. Exit status: 0 on
// success, 1 on an error, 2 on a usage error.
//
// # APDU JSON (decode, encode)
//
// One APDU is one JSON object whose members are the exported fields of the ieee11073 Go
// types, under the same names: APDU, then AARQ, AARE, RLRQ, RLRE, ABRT or DataAPDU (member
// "PRST"), and so on down. The rules:
//
//   - Only the alternative a choice selects is present: an APDU has "Choice" and one of
//     "AARQ", "AARE", "RLRQ", "RLRE", "ABRT", "PRST"; a DataAPDU has "InvokeID", "Choice" and
//     one of "EventReport", "Get", "Set", "Action", "EventReportResult", "GetResult",
//     "SetResult", "ActionResult", "Error", "Reject".
//   - Octet strings (system ids, attribute values, observation values) are hex strings.
//   - Enumerated values print as their names: "Choice": "PRST",
//     "Choice": "roiv-cmip-confirmed-event-report", "Result": "accepted-unknown-config",
//     "ID": "data-proto-id-20601". encode accepts the name or the number.
//   - FLOAT-Type and SFLOAT-Type values are decimal strings ("120", "36.6", "NaN", "+INF").
//   - Nomenclature codes (OIDs: "EventType", attribute "ID", "Class") and handles are
//     numbers; bit strings and versions are numbers.
//   - Event, action and reply information is shown decoded ("Report", "Invoke", "Result",
//     "Reply", with the one member its event or action type selects, e.g.
//     "Report": {"ScanFixed": {...}}) when the codec knows the type, and as raw hex ("Info",
//     "Args", "ReplyInfo") otherwise. On encode, the decoded member wins for known types.
//   - Missing members are zero; unknown members are an error.
//
// For example, the association release request E4 00 00 02 00 00 is
//
//	{"Choice":"RLRQ","RLRQ":{"Reason":"normal"}}
//
// # Manager output (manager)
//
// The manager prints one JSON object per line; "event" says which:
//
//	{"event":"listening","addr":"127.0.0.1:6024"}
//	    The address it accepts agents on (useful with --listen 127.0.0.1:0).
//	{"event":"association","remote":ADDR,"system_id":HEX,"config_id":N,"extended":BOOL,
//	 "time":RFC3339,"objects":[{"handle":N,"type":NAME,"unit":NAME},...]}
//	    An association reached Operating. config_id is the agent's dev-config-id (700 is
//	    0x02BC); extended is true when the agent sent its configuration; objects are the
//	    configuration's measurement objects.
//	{"event":"mds","system_id":HEX,"manufacturer":S,"model":S,
//	 "attributes":[{"id":N,"name":NAME,"value":HEX},...]}
//	    The agent's answer to the GET of all MDS attributes; manufacturer and model come
//	    from MDC_ATTR_ID_MODEL when present.
//	{"event":"observation","system_id":HEX,"config_id":N,"handle":N,"kind":K,"type":NAME,
//	 "partition":N,"code":N,"value":DEC,"unit":NAME,"unit_code":N,"time":T,...}
//	    One measured value. kind is "numeric" (value and unit are set), "enum-oid" (enum
//	    holds a code) or "enum-bits" (bits holds a bit string). type names the quantity
//	    (e.g. MDC_PRESS_BLD_NONINV_SYS; partition and code are its numbers); value is the
//	    exact decimal of the FLOAT or SFLOAT. Optional: time (the device's local time, no
//	    zone: 2006-01-02T15:04:05.00), rel_time (1/8 ms ticks), status (measurement status
//	    bits), person_id (multiple-person reports).
//	{"event":"disassociation","remote":ADDR,"system_id":HEX,"reports":N,"error":S}
//	    The association ended; error is absent after a normal release and says why
//	    otherwise (abort, timeout, undecodable APDU, transport lost). When the agent
//	    sent reports the manager took despite a known defect, other_layout_reports
//	    counts those in the other standard layout of the specialization (0x0190 and
//	    0x0191) and trailing_octet_reports those with octets after the scan report; the
//	    first of each kind is also logged on stderr.
//
// # Agent output (agent)
//
// The simulated agent prints {"event":"associated","system_id":HEX,"config_id":N}, then
// {"event":"report","n":N,"values":[DEC,...]} per confirmed measurement report, then
// {"event":"released","reports":N}. The specializations are the standard configurations
// of 10407 blood pressure (bp, 0x02BC), 10408 thermometer (thermo, 0x0320), 10415 weighing
// scale (scale, 0x05DC), 10417 glucose meter (glucose, 0x06A4) and 10404 pulse oximeter
// (oximeter, 0x0190), with plausible values that vary from one measurement to the next.
//
// # OMA DM
//
//	phdctl dm decode msg.wbxml                 # XML or WBXML in ("-" is stdin), XML out
//	phdctl dm encode --wbxml msg.xml > msg.wbxml
//	phdctl dm server --listen 127.0.0.1:8080 --auth md5 --user dev --password pw \
//	    --cmd 'Replace ./PHD/Measurement/Interval=30' --cmd 'Get ./PHD/FwVersion' [--commands FILE]
//	phdctl dm client --server http://127.0.0.1:8080/ --auth md5 --user dev --password pw [--wbxml]
//
// The server queues the commands for the devices that connect (--device ID for one device
// only; --sessions N exits after N sessions) and prints one report per session: the device's
// DevInfo, each command with its status and results. A commands file holds one command a line,
// or is a SyncML message. The client runs one session with an in-memory tree holding ./DevInfo
// and the PHD management object, then prints its statuses and the PHD settings.
//
//	phdctl dm notify --server-id phdkit-dm --password srvpwd --nonce bm9uY2UtMDAwMQ== \
//	    --session 1A2B --ui informative --initiator server --body 0102
//	phdctl dm notify --decode HEX --password srvpwd --nonce bm9uY2UtMDAwMQ==
//
// dm notify builds a package 0 notification (OMA-TS-DM_Notification-V1_2) and prints it as
// one line of hex: --server-id is the server identifier, --session the session id in hex
// (default 0), --ui not-specified (default), background, informative or user-interaction,
// --initiator server (default) or user, --body the vendor-specific body in hex, --version
// the version field (default 12). The digest is made with --name (default the server
// identifier) and --password, the server's credentials with the device, and --nonce, the
// base64 nonce the device last sent the server (default none). With --decode HEX ("-" reads
// stdin; spaces, newlines and colons are ignored) it prints the fields as one JSON object:
// "Digest" and "Body" in hex, "Version", "UIMode", "Initiator", "SessionID" (four hex
// digits, as the device puts it in its SyncHdr), "ServerID", and, when --password is
// given, "Verified": whether the digest matches those credentials and nonce.
package main
