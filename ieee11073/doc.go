// Package ieee11073 implements the ISO/IEEE 11073-20601 optimized exchange protocol for
// personal health devices: the MDER codec for every APDU and attribute type, FLOAT-Type and
// SFLOAT-Type, the 11073-10101 nomenclature codes, the configurations of the main device
// specializations, from which event reports decode into typed observations, and the
// protocol itself: an Agent (the device side), a Manager (the gateway side, serving many
// agents), the association state machine both run, and a Framer that cuts APDUs out of a
// byte stream such as TCP.
//
// # Protocol: Manager and Agent
//
// A gateway serves agents with a Manager; a device, or a simulator, speaks to a manager with
// an Agent:
//
//	m, err := ieee11073.NewManager(ieee11073.ManagerConfig{
//		OnObservations: func(info *ieee11073.AssociationInfo, ev *ieee11073.EventReportArgument, obs []ieee11073.Observation) error {
//			store(info.SystemID, obs) // copy: obs is valid only during the call
//			return nil                // nil: the report is confirmed to the agent
//		},
//	})
//	go m.Serve(listener)  // returns ErrServerClosed after Shutdown or Close
//	defer m.Shutdown(ctx) // releases every association, waits for every goroutine
//
//	a, err := ieee11073.NewAgent(conn, ieee11073.AgentConfig{ConfigID: 0x02BC})
//	err = a.Associate(ctx)                   // AARQ … Operating; configuration sent if asked
//	err = a.SendObservations(ctx, obs, true) // a confirmed fixed scan report
//	err = a.Release(ctx)                     // RLRQ, RLRE
//	a.Close()
//
// The Manager accepts an AARQ whose configuration it knows (a standard one, or an extended
// one its Registry accepted before from the same System ID) and asks for the configuration
// report otherwise; once Operating it sends a GET of all MDS attributes (unless
// ManagerConfig.SkipMDSGet is set), takes in confirmed and unconfirmed event reports and
// answers a confirmed one after OnObservations returns nil. An agent that sends an APDU
// that does not decode, or one larger than ManagerConfig.MaxAPDU, is aborted and
// disconnected; one that breaks the protocol is answered as the state tables say (ABRT,
// ROER or RORJ); the other agents are not disturbed. By default the Manager tolerates two
// defects of deployed agents, counting and logging each (ManagerConfig.StrictReports); the
// codec itself never does.
//
// # PM-store retrieval
//
// An agent that keeps measurements in a PM-store (a glucose meter's memory, a scale's
// history) offers them as PM-segments of entries. The application retrieves them through
// the Association of an agent, a handle Manager.Association returns for the
// AssociationInfo a hook received; its methods block until the agent answers, so they are
// called from a goroutine of the application's, never from a hook:
//
//	cfg.OnAssociate = func(info *ieee11073.AssociationInfo) {
//		as := m.Association(info)
//		go func() {
//			segs, err := as.SegmentInfo(ctx, store) // MDC_ACT_SEG_GET_INFO, all segments
//			for i := range segs {
//				// MDC_ACT_SEG_TRIG_XFER; the entries arrive in OnSegmentData
//				res, err := as.TransferSegment(ctx, store, &segs[i])
//			}
//			// MDC_ACT_SEG_CLR of the segments transferred
//			ids := []uint16{segs[0].InstNo}
//			err = as.ClearSegments(ctx, store, ieee11073.SegmSelection{
//				Choice: ieee11073.SegmSelectionSegmIDList, SegmIDs: ids})
//		}()
//	}
//	cfg.OnSegmentData = func(info *ieee11073.AssociationInfo, store ieee11073.Handle, ev *ieee11073.SegmentDataEvent, obs []ieee11073.Observation) error {
//		keep(info.SystemID, obs) // copy: obs is valid only during the call
//		return nil               // nil: the event is confirmed (sevtsta-manager-confirm)
//	}
//
// store is the PM-store's object handle (its MDC_MOC_VMO_PMSTORE object in the agent's
// configuration). SelectSegmentInfo lists the segments a SegmSelection selects:
// all-segments, a segm-id-list of instance numbers, or an abs-time-range. ClearSegments
// takes the same selections; it returns once the agent has confirmed the clear, and a
// *RemoteError when the agent refuses it. The association's goroutine sends one request at
// a time, answers each MDC_NOTI_SEGMENT_DATA event report after OnSegmentData returns, and
// checks that the entries come in order; the response timeout bounds the wait for each
// answer and each event.
//
// On the agent's side, AgentConfig.PMStore offers a PMStore: NewPMStore, then AddSegment and
// AddEntry; the Agent answers the GET and the three actions and sends a triggered segment
// one event report at a time, waiting for each confirmation. The PM-store's
// MDC_ATTR_PM_STORE_CAPAB, when NewPMStore is given one, rules the selections (the
// PMStoreCapab* bits): listing by abs-time-range needs pmsc-abs-time-select, clearing by
// segm-id-list pmsc-clear-segm-by-list-sup and by abs-time-range
// pmsc-clear-segm-by-time-sup; without the attribute every selection is accepted. A clear
// deletes the entries of the selected segments, whose Segment-Usage-Count becomes 0; with
// pmsc-clear-segm-remove it removes the segments as well, and Number-Of-Segments counts the
// rest. An abs-time-range selects a segment when its Segment-Start-Abs-Time is after the
// range's start and its Segment-End-Abs-Time before the range's end, both strictly (the
// segment lies within the range); a segment without these attributes (given to AddSegment)
// is never selected by time. A segm-id-list in MDC_ACT_SEG_GET_INFO lists the segments the
// PM-store has and leaves the others out. The PM-store refuses a clear with the ROER
// not-allowed-by-object, clearing nothing, when its capabilities do not allow the
// selection, when a segm-id-list names a segment it lacks, and when a selected segment is
// being transferred (from the trigger until the manager confirms the last event report,
// or triggered to follow the transfer under way).
//
// # State machine
//
// State is the association state of one end: Disconnected, Unassociated, Associating, the
// Configuring sub-states (ConfigSending and WaitingApproval for the agent, WaitingConfig
// and CheckingConfig for the manager), Operating and Disassociating. Next(role, state,
// event) is the transition function of the 20601 state tables: it returns the next state
// and the Effect to carry out (send an AARE, an ABRT, a RORJ, check a configuration, hand
// over a report), does no I/O and is table-tested on its own. Agent and Manager drive it:
// each feeds it the APDUs received, the local requests and the expired timers (the state
// timer StateTimer names, and the response timer of an outstanding request: an expired
// timer is an event, never a sleep), and carries out the effects.
//
// # Stream transport
//
// A Framer reads whole APDUs from a byte stream, whatever its chunking (an APDU in 50-byte
// pieces, or several APDUs in one read), by their 4-octet header. It owns one read buffer,
// grown on demand up to its maximum APDU size and then reused; an APDU announcing more
// fails with ErrAPDUTooLarge, after which the stream cannot be resynchronized. After a read
// deadline expires, ReadAPDU may be called again and framing resumes where it stopped.
//
// # Decoding
//
// An APDU holds any of the six APDUs (AARQ, AARE, RLRQ, RLRE, ABRT and PRST); a PRST holds a
// DataAPDU with one remote operation: an event report (confirmed or not), GET, SET and
// ACTION (confirmed or not), their results (RORS), an error (ROER) or a reject (RORJ).
// Event reports, their replies and the actions this package knows are decoded down to their
// typed contents (configuration reports, every kind of scan report, data requests and
// responses, PM-segment transfers); other ANY fields are kept as raw bytes. Attribute values
// in an AttributeList stay raw until decoded with their type (TypeVerList, SystemModel,
// ProductionSpec, MdsTimeInfo, AbsoluteTime, NuObsValue, EnumObsValue, SaSpec and so on).
//
// A manager decodes a measurement like this:
//
//	var apdu ieee11073.APDU            // one per connection, reused
//	obs := make([]ieee11073.Observation, 0, 16)
//	if _, err := apdu.Unmarshal(msg); err != nil {
//		// err is a *DecodeError naming the field and its offset
//	}
//	if apdu.Choice == ieee11073.ChoicePRST && apdu.PRST.Choice == ieee11073.MessageROIVConfirmedEventReport {
//		// A standard configuration, or an extended one the registry has accepted.
//		cfg, ok := registry.Lookup(systemID, devConfigID)
//		if !ok {
//			// unknown configuration: answer accepted-unknown-config in the AARE
//		}
//		obs, err := cfg.Observations(obs[:0], &apdu.PRST.EventReport)
//		if err != nil {
//			// a report that does not fit the configuration
//		}
//		for _, o := range obs {
//			fmt.Println(o.Type, o.Value, ieee11073.Name(ieee11073.PartitionDim, o.Unit), o.Time)
//		}
//	}
//
// and encodes its answer with AppendBinary into a reused buffer.
//
// # Configurations
//
// StandardConfiguration returns the standard configurations of 10404 (pulse oximeter,
// 0x0190 and 0x0191), 10407 (blood pressure, 0x02BC), 10408 (thermometer, 0x0320), 10415
// (weighing scale, 0x05DC) and 10417 (glucose meter, 0x06A4). ParseConfigReport turns an
// agent's configuration report into a Configuration; a Registry checks such reports,
// accepts or rejects them (ConfigResult) and remembers the accepted ones by System ID and
// Config ID. Configuration.Observations decodes fixed, variable, grouped and multiple-person
// scan reports into Observations: metric code, value, unit code, status and time;
// Configuration.SegmentObservations does the same for the entries of a PM-segment, laid out
// by its PmSegmentEntryMap. On the agent's side, Configuration.AppendObsValue lays
// observations out for a fixed-format scan report.
//
// # Numbers
//
// Float and SFloat keep the raw FLOAT-Type and SFLOAT-Type: NaN, NRes, +INF, -INF and the
// reserved value are distinct states, precision survives (2.0 is not 2), and conversion to
// and from float64 and decimal text is exact.
//
// # Errors
//
// Decoding fails with a *DecodeError{Offset, Field, Err} whose Err is one of ErrShort,
// ErrLength, ErrCount, ErrChoice or ErrValue; any byte string gives an error or a value,
// never a panic, and every strict prefix of a valid APDU fails. Encoding fails with
// ErrTooLong or ErrChoice wrapped with the field.
//
// # Buffer ownership
//
// Unmarshal never copies: byte slices in a decoded value (attribute values, raw ANY fields,
// system IDs, observation bytes) alias the input, so the input must stay unchanged while the
// value is in use. Unmarshal overwrites the value it decodes into and reuses the capacity of
// its slices; when a value has decoded a message of the same shape before, decoding
// allocates nothing. For APDU and DataAPDU only the field selected by Choice is meaningful;
// the others keep their old contents so that their capacity can be reused. AppendBinary
// appends to the caller's buffer and allocates only to grow it. ParseConfigReport and
// Registry.Register copy what they keep; Observations appends to the caller's slice.
//
// The APDU slice Framer.ReadAPDU returns aliases the Framer's buffer and is valid only until
// the next ReadAPDU, and so is anything decoded from it. The Manager therefore hands its
// hooks slices that are valid only during the call: the report and the observations given
// to OnObservations, the attributes given to OnMDS. A hook copies what it keeps. The
// AssociationInfo a hook receives stays allocated, but the Manager keeps updating it: read
// it only while a hook runs. Agent.SendReport encodes the report before it returns, so the
// caller may reuse it at once.
//
// # Concurrency
//
// The package has no mutable state. A decoded APDU, like any value, is not safe for
// concurrent modification; use one per goroutine or connection. A Configuration is
// read-only once built and safe for concurrent use, as are the shared standard
// configurations, which must not be modified. A Registry is safe for concurrent use and may
// be shared by Managers, and so is a PMStore, also while an Agent serves it. A Framer is
// read by one goroutine.
//
// One goroutine owns each association. The Manager serves each connection on a goroutine of
// its own, which owns that association's state, decodes its APDUs and runs the hooks
// (OnAssociate, OnMDS, OnObservations, OnSegmentData, OnDisassociate) for it: a slow hook
// holds up that agent only, and hooks of different associations run concurrently, so state
// they share needs a lock. The Manager's methods (Serve, ServeConn, Shutdown, Close,
// Associations, Association) and an Association's methods are safe to call from any
// goroutine (but an Association's must not be called from a hook, whose goroutine answers
// them); Shutdown and Close wait for every goroutine the Manager started. An Agent runs two
// goroutines: one reads APDUs, the other owns the association state and serves the Agent's
// methods (Associate, SendReport, SendObservations, Release, Abort, State, Err, Close),
// which are safe to call from any goroutine; OnStateChange runs on the owning goroutine.
// Close waits for both.
//
// # Performance
//
// Measured on a 2-core AMD EPYC virtual machine (load average about 2), as medians of 20
// runs of go test -bench, each in a process of its own with decoding, encoding and the
// SHA-256 baseline in the same run; cpu-ns/op is the process CPU time per operation,
// which other load inflates less than the wall-clock ns/op:
//
//	benchmark                     cpu-ns/op  ns/op (wall)  allocs/op
//	BenchmarkDecodeEventReportBP      42          42          0
//	BenchmarkEncodeEventReportBP      23          24          0
//	BenchmarkSHA256_64 (baseline)    123         123          0
//
// BenchmarkDecodeEventReportBP decodes the 66-byte confirmed blood-pressure event report of
// the 10407 examples down to its four observation values: 0.33 times the time of a SHA-256
// over 64 bytes in the same process (median of the 20 runs; 0.28 to 0.41 across them, one
// run above 0.40; the machine's own noise moves a single run by up to 20%). Two things make
// it fast. APDU.Unmarshal reads a PRST event report carrying a fixed scan report, the most
// common APDU, in one pass over the bytes, checking the header a word at a time (any other
// APDU, and any malformed one, goes through the general decoder, which names the failing
// field). And a Configuration works out, when it is built, where each object's time stamp
// and values sit in its fixed-format reports and prepares each observation with the fields
// that do not change from report to report, so that Observations copies it and sets the
// value and time stamp, with no call inside the loop; as a Configuration is read-only once
// built, one pointer comparison per report tells that the layouts still apply.
// AppendBinary writes the same APDU in one pass too, after summing the sizes, so that
// encoding takes about half the time of decoding. Neither allocates.
//
// The Framer cuts the APDUs of a captured blood-pressure session (72 octets each on
// average) out of a stream in 24 ns each, about 3 GB/s, without allocating (BenchmarkFramer,
// median of 5 runs). Taking in a confirmed event report in the Manager (read, decode,
// observations to the hook, answer) allocates nothing. BenchmarkManagerIngest, 1,000 agents
// over loopback TCP on the same machine, medians of 5 runs: with 8 reports in flight per
// agent, 378,000 reports/s and 4.1 µs of CPU per report for manager and agents together;
// with one report at a time, 48,600 reports/s and 30 µs of CPU per report, nearly all of it
// in the system calls and wake-ups of each round trip. Under heavy load from other jobs
// (load average 6 to 46) the same benchmark gave 45,000 to 140,000 reports/s with 8 in
// flight.
//
// The standard is ISO/IEEE 11073-20601 (Annex A for the abstract syntax, Annex F for
// MDER); the nomenclature is ISO/IEEE 11073-10101 and the specializations are
// 11073-10404, -10407, -10408, -10415 and -10417.
package ieee11073
