package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Errors callers branch on. Error strings name identifiers (user, device, sequence number,
// observation index) but never a measured value.
var (
	// ErrDuplicate reports a measurement whose (user, device, sequence number) is already
	// stored; nothing was written.
	ErrDuplicate = errors.New("store: duplicate measurement")
	// ErrInvalid reports a measurement the store refuses; the wrapping error names the field.
	ErrInvalid = errors.New("store: invalid measurement")
	// ErrNotFound reports a device or measurement the store does not hold.
	ErrNotFound = errors.New("store: not found")
	// ErrClosed reports a call on a closed store.
	ErrClosed = errors.New("store: closed")
	// ErrSchemaVersion reports a database whose schema is newer than this program knows.
	ErrSchemaVersion = errors.New("store: database schema is newer than this program")
	// ErrDivisionMismatch reports a database created with the other Config.NoDivision
	// setting.
	ErrDivisionMismatch = errors.New("store: database division setting differs from Config.NoDivision")
)

// Store keeps measurements, device information and the user↔device mapping. Every method is
// safe for concurrent use. Put and PutBatch are idempotent by (user, device, sequence
// number): a repeat stores nothing, is reported with ErrDuplicate and counted.
type Store interface {
	// Put stores one measurement with its observations in one transaction and returns
	// its DataInfo id. A repeat of (user, device, seq) stores nothing and returns the id
	// of the stored measurement with ErrDuplicate. If ctx ends while the write is under
	// way, Put returns ctx.Err() and the measurement may or may not be stored; a retry is
	// safe.
	Put(ctx context.Context, m *Measurement) (id int64, err error)
	// PutBatch stores many measurements, each one atomically, and returns one result per
	// measurement in the order given. An invalid measurement or a duplicate fails alone
	// (in its PutResult); err is non-nil only when the batch as a whole failed, and then
	// none of results is meaningful.
	PutBatch(ctx context.Context, ms []*Measurement) (results []PutResult, err error)
	// Get returns the stored measurement of (user, device, seq), or ErrNotFound.
	Get(ctx context.Context, user uint64, systemID [8]byte, seq uint64) (*Measurement, error)
	// SetLedgerIndex records the ledger index of the measurement with DataInfo id id.
	SetLedgerIndex(ctx context.Context, id int64, index uint64) error
	// Unledgered returns up to limit measurements with an id above after that have no
	// ledger index yet, in id order: what a server that stopped between storing and
	// appending to the ledger still has to append.
	Unledgered(ctx context.Context, after int64, limit int) ([]LedgerEntry, error)
	// PutDevice inserts or updates a device's information and maps it to d.User.
	// FirstSeen only moves earlier and LastSeen only later; an empty Model keeps the
	// stored one.
	PutDevice(ctx context.Context, d DeviceInfo) error
	// Device returns a device's information, or ErrNotFound.
	Device(ctx context.Context, systemID [8]byte) (DeviceInfo, error)
	// Devices returns the devices mapped to user, ordered by system id.
	Devices(ctx context.Context, user uint64) ([]DeviceInfo, error)
	// AllDevices returns every device the store holds, ordered by system id: what a
	// server that restarts knows of the devices it has heard from.
	AllDevices(ctx context.Context) ([]DeviceInfo, error)
	// Count returns the number of stored measurements.
	Count(ctx context.Context) (int64, error)
	// Query returns the observations of q.User selected by q, ordered by time.
	Query(ctx context.Context, q Query) ([]Row, error)
	// Aggregate returns min/max/mean/count of the observations selected by q per metric,
	// unit and hour or day (of UTC+q.Offset), ordered by bucket start, metric and unit.
	Aggregate(ctx context.Context, q Query, step Step) ([]Bucket, error)
	// PutDMCommands records the remote-management commands the server issued, in one
	// transaction: all of them or, on error, none. A Ref already stored (or repeated in
	// cmds) fails the whole call with ErrDuplicate; an invalid command with ErrInvalid.
	// Status and Answered of cmds are ignored: a new command has no status.
	PutDMCommands(ctx context.Context, cmds []DMCommand) error
	// SetDMStatuses records, in one transaction, the status of each command named in sts
	// that has none yet: only a command's first status counts. recorded[i] reports
	// whether sts[i] was recorded; it is false for a command already answered (or
	// answered earlier in sts) and for a Ref the store does not hold. A zero Code fails
	// the call with ErrInvalid.
	SetDMStatuses(ctx context.Context, sts []DMStatus) (recorded []bool, err error)
	// DMCommands returns every recorded command with its status, in the order recorded.
	DMCommands(ctx context.Context) ([]DMCommand, error)
	// Stats returns the counters since the store was opened.
	Stats() Stats
	// Close waits for writes under way, then releases the database. Later calls return
	// ErrClosed; Close itself may be called more than once.
	Close() error
}

// PHDType is the kind of personal health device a measurement comes from; with database
// division on, each type has its own DataReportingInfo table.
type PHDType uint8

// The PHD types. TypeUnknown in a Measurement means: derive it with TypeOf.
const (
	TypeUnknown  PHDType = iota // not given; derived from the configuration and metrics
	TypeBP                      // blood pressure monitor (11073-10407)
	TypeThermo                  // thermometer (11073-10408)
	TypeScale                   // weighing scale (11073-10415)
	TypeGlucose                 // glucose meter (11073-10417)
	TypeOximeter                // pulse oximeter (11073-10404)
	TypeWrist                   // wrist sensor unit: several vital signs in one report
	TypeOther                   // anything else
)

var phdTypeNames = [...]string{"unknown", "bp", "thermo", "scale", "glucose", "oximeter", "wrist", "other"}

// String returns the type's table suffix, such as "bp".
func (t PHDType) String() string {
	if int(t) < len(phdTypeNames) {
		return phdTypeNames[t]
	}
	return "PHDType(" + strconv.Itoa(int(t)) + ")"
}

// ParsePHDType returns the type named s ("bp", "thermo", ...).
func ParsePHDType(s string) (PHDType, bool) {
	for i, n := range phdTypeNames {
		if n == s && i != int(TypeUnknown) {
			return PHDType(i), true
		}
	}
	return TypeUnknown, false
}

// Standard device configuration ids (dev-config-id) of the 11073 specializations.
const (
	ConfigOximeter     uint16 = 0x0190 // 400, pulse oximeter
	ConfigOximeterAlt  uint16 = 0x0191 // 401, pulse oximeter
	ConfigBP           uint16 = 0x02BC // 700, blood pressure monitor
	ConfigThermo       uint16 = 0x0320 // 800, thermometer
	ConfigScale        uint16 = 0x05DC // 1500, weighing scale
	ConfigGlucose      uint16 = 0x06A4 // 1700, glucose meter
	ConfigExtendedLow  uint16 = 0x4000 // first extended configuration id
	ConfigExtendedHigh uint16 = 0x7FFF // last extended configuration id
)

// Metric returns the Observation.Metric of nomenclature code code in partition partition.
func Metric(partition, code uint16) uint32 { return uint32(partition)<<16 | uint32(code) }

const partSCADA = 2

// metricType classifies the SCADA metric codes of the standard specializations.
func metricType(metric uint32) PHDType {
	if metric>>16 != partSCADA {
		return TypeUnknown
	}
	switch c := uint16(metric); c {
	case 18948, 18949, 18950, 18951, 18474: // MDC_PRESS_BLD_NONINV{,_SYS,_DIA,_MEAN}, MDC_PULS_RATE_NON_INV
		return TypeBP
	case 19292: // MDC_TEMP_BODY
		return TypeThermo
	case 57664, 57668, 57676, 57680: // MDC_MASS_BODY_ACTUAL, MDC_LEN_BODY_ACTUAL, MDC_BODY_FAT, MDC_RATIO_MASS_BODY_LEN_SQ
		return TypeScale
	case 19384, 18458: // MDC_PULS_OXIM_SAT_O2, MDC_PULS_OXIM_PULS_RATE
		return TypeOximeter
	default:
		if c >= 29112 && c <= 29140 && c%4 == 0 { // MDC_CONC_GLU_* sample kinds
			return TypeGlucose
		}
		return TypeUnknown
	}
}

// TypeOf derives the PHD type of a measurement from its configuration id: the standard
// ids of the oximeter (0x0190, 0x0191), blood pressure monitor (0x02BC), thermometer
// (0x0320), scale (0x05DC) and glucose meter (0x06A4) name their type. For any other id
// (extended configurations) the metric codes decide: metrics of exactly one specialization
// give that type; vital signs of two or more of blood pressure, temperature and oximetry
// give TypeWrist; anything else is TypeOther.
func TypeOf(configID uint16, obs []Observation) PHDType {
	switch configID {
	case ConfigOximeter, ConfigOximeterAlt:
		return TypeOximeter
	case ConfigBP:
		return TypeBP
	case ConfigThermo:
		return TypeThermo
	case ConfigScale:
		return TypeScale
	case ConfigGlucose:
		return TypeGlucose
	}
	var seen [TypeOther + 1]bool
	n := 0
	last := TypeOther
	for i := range obs {
		if t := metricType(obs[i].Metric); t != TypeUnknown && !seen[t] {
			seen[t] = true
			n++
			last = t
		}
	}
	switch {
	case n == 1:
		return last
	case n >= 2 && (seen[TypeBP] && seen[TypeThermo] || seen[TypeBP] && seen[TypeOximeter] || seen[TypeThermo] && seen[TypeOximeter]):
		return TypeWrist
	default:
		return TypeOther
	}
}

// Measurement is one confirmed report of one device for one user: the DataInfo row and its
// observations (DataReportingInfo rows).
type Measurement struct {
	User     uint64  // user (patient) id; stored as the same 64 bits in a signed column
	SystemID [8]byte // the agent's 11073 System-ID; must not be all zero
	ConfigID uint16  // the agent's dev-config-id
	// Type selects the DataReportingInfo table; TypeUnknown derives it with TypeOf. Get
	// returns the type used.
	Type        PHDType
	Model       string    // optional; recorded in DeviceInfo when not empty
	Seq         uint64    // bmsig sequence number, unique per (User, SystemID)
	Measured    time.Time // when the device measured; required
	Received    time.Time // when the first gateway received it; zero means Measured
	Stored      time.Time // set by the store; ignored by Put
	Digest      [32]byte  // the record digest appended to the ledger
	Ledgered    bool      // LedgerIndex is meaningful
	LedgerIndex uint64    // the record's index in the ledger
	// Observations are the measured values, at least one.
	Observations []Observation
}

// Observation is one measured value.
type Observation struct {
	Metric uint32 // 11073 TYPE: partition<<16 | code, see Metric
	Unit   uint16 // unit code (partition DIM), 0 for none
	// Value is the exact decimal text of the value as the device sent it ("36.70",
	// "-5", "15e2"); Float must equal it as a float64.
	Value string
	Float float64   // the value as a float64, finite
	Time  time.Time // when it was measured; zero means the Measurement's Measured
}

// NewObservation returns the observation of exact decimal text value, with Float parsed
// from it. It fails with ErrInvalid when value is not a finite decimal.
func NewObservation(metric uint32, unit uint16, value string, t time.Time) (Observation, error) {
	if !isDecimal(value) {
		return Observation{}, fmt.Errorf("%w: Value is not decimal text", ErrInvalid)
	}
	f, err := strconv.ParseFloat(value, 64)
	if err != nil || math.IsInf(f, 0) {
		return Observation{}, fmt.Errorf("%w: Value is out of float64 range", ErrInvalid)
	}
	return Observation{Metric: metric, Unit: unit, Value: value, Float: f, Time: t}, nil
}

// PutResult is the outcome of one measurement of a PutBatch.
type PutResult struct {
	ID        int64 // DataInfo id: of the new row, or of the stored one for a duplicate
	Duplicate bool  // the measurement was already stored (Err is ErrDuplicate)
	Err       error // nil, ErrDuplicate, or an ErrInvalid error
}

// LedgerEntry is a stored measurement still to be appended to the ledger.
type LedgerEntry struct {
	ID       int64 // DataInfo id
	User     uint64
	SystemID [8]byte
	Seq      uint64
	Digest   [32]byte
}

// DeviceInfo is a DeviceInfo row.
type DeviceInfo struct {
	SystemID  [8]byte
	ConfigID  uint16
	User      uint64 // the user the device was last seen with
	Model     string
	FirstSeen time.Time
	LastSeen  time.Time
}

// DMCommand is a DMCommand row: one remote-management (OMA DM) command issued to one
// device, the message that carries it, and the device's status once it arrives.
type DMCommand struct {
	Ref     string    // the command's reference (its CmdID), unique; 1 to 64 bytes
	Device  string    // the device's DM id; at most 256 bytes
	Kind    uint8     // the kind of device the command went to, as the issuer counts kinds
	Command string    // the command as text, such as "Replace ./PHD/Measurement/Interval 2"
	Issued  time.Time // when it was issued; required
	// Origin, ConfigID, Received and Body are the integrated-message entry that carries
	// the command down, kept to send it again: the device's system id, its
	// dev-config-id, the entry's time and the encoded command message (not empty).
	Origin   [8]byte
	ConfigID uint16
	Received time.Time
	Body     []byte
	Status   uint16    // the device's status code; 0 until it arrives
	Answered time.Time // when the status arrived; zero until then
}

// DMStatus is a device's status for the command with reference Ref.
type DMStatus struct {
	Ref      string
	Code     uint16    // the status code; not 0
	Answered time.Time // when it arrived
}

// Query selects observations of one user. Zero fields select everything.
type Query struct {
	User     uint64    // required: whose observations
	SystemID [8]byte   // one device; zero for all
	Type     PHDType   // one PHD type; TypeUnknown for all
	Metric   uint32    // one metric; 0 for all
	From     time.Time // observations at or after From; zero: no lower bound
	To       time.Time // observations before To; zero: no upper bound
	Limit    int       // Query only: at most this many rows; 0 means 100000
	// Offset is, for Aggregate only, the viewer's offset from UTC: buckets start at whole
	// hours or days of UTC+Offset (9*time.Hour for a viewer in Seoul). Whole minutes,
	// within ±24 hours.
	Offset time.Duration
}

// Row is one observation returned by Query.
type Row struct {
	DataID   int64 // the measurement's DataInfo id
	User     uint64
	SystemID [8]byte
	Seq      uint64
	Type     PHDType
	Observation
}

// Step is the width of an aggregate bucket.
type Step uint8

// The aggregate steps; buckets start at whole hours or days of UTC+Query.Offset.
const (
	StepHour Step = iota + 1
	StepDay
)

var stepNames = [...]string{"", "hour", "day"}

func (s Step) String() string {
	if s >= StepHour && s <= StepDay {
		return stepNames[s]
	}
	return "Step(" + strconv.Itoa(int(s)) + ")"
}

func (s Step) nanos() (int64, error) {
	switch s {
	case StepHour:
		return int64(time.Hour), nil
	case StepDay:
		return int64(24 * time.Hour), nil
	}
	return 0, fmt.Errorf("store: unknown aggregate step %d", s)
}

// Bucket is one aggregate of Aggregate.
type Bucket struct {
	Start  time.Time // start of the hour or day (a UTC time; midnight of UTC+Offset for days)
	Metric uint32
	Unit   uint16
	Min    float64
	Max    float64
	Mean   float64
	Count  int64
}

// Stats counts what a store did since it was opened. A write whose caller's context ended
// during the commit may go uncounted although it committed (its retry then counts as a
// duplicate).
type Stats struct {
	Stored     uint64 // measurements written
	Duplicates uint64 // repeats refused with ErrDuplicate
	Rejected   uint64 // invalid measurements refused with ErrInvalid
}

// Config configures a store. The zero value works: SQLite with one DataReportingInfo table
// per PHD type and full durability. Read-only once passed to Open.
type Config struct {
	// NoDivision stores all observations in one shared DataReportingInfo table instead of
	// one table per PHD type (the published "database division"). A database keeps the
	// setting it was created with; opening it with the other fails with
	// ErrDivisionMismatch.
	NoDivision bool
	// MaxBatch is the most measurements the SQLite writer commits in one transaction
	// when many Put and PutBatch calls wait; default 1024.
	MaxBatch int
	// RelaxedSync makes SQLite commit without waiting for the disk (synchronous=NORMAL in
	// WAL mode): a committed measurement survives a process crash but maybe not a power
	// loss. Default false: every commit is synced.
	RelaxedSync bool
	// Schema is the PostgreSQL schema holding the tables, created when missing; default
	// "public". Letters, digits and '_' only.
	Schema string
	// MaxConns is the PostgreSQL pool size; default 8.
	MaxConns int32
	// Now is the clock for DataInfo.stored_at; default time.Now.
	Now func() time.Time
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// prepared is a validated measurement with its derived fields.
type prepared struct {
	m        *Measurement
	typ      PHDType
	measured int64
	received int64
	obsTime  []int64
}

// prepare validates m. Errors wrap ErrInvalid and name the field, never a value.
func prepare(m *Measurement) (prepared, error) {
	if m == nil {
		return prepared{}, fmt.Errorf("%w: nil measurement", ErrInvalid)
	}
	// Work on a copy: the SQLite writer may still read it after a cancelled Put returned.
	cp := *m
	cp.Observations = append([]Observation(nil), m.Observations...)
	m = &cp
	if m.SystemID == ([8]byte{}) {
		return prepared{}, fmt.Errorf("%w: SystemID is zero", ErrInvalid)
	}
	if m.Measured.IsZero() {
		return prepared{}, fmt.Errorf("%w: Measured time is zero", ErrInvalid)
	}
	if len(m.Observations) == 0 {
		return prepared{}, fmt.Errorf("%w: no observations", ErrInvalid)
	}
	if m.Type > TypeOther {
		return prepared{}, fmt.Errorf("%w: unknown Type %d", ErrInvalid, m.Type)
	}
	if len(m.Model) > 256 {
		return prepared{}, fmt.Errorf("%w: Model longer than 256 bytes", ErrInvalid)
	}
	p := prepared{m: m, typ: m.Type, measured: m.Measured.UnixNano(), received: m.Measured.UnixNano()}
	if !m.Received.IsZero() {
		p.received = m.Received.UnixNano()
	}
	if p.typ == TypeUnknown {
		p.typ = TypeOf(m.ConfigID, m.Observations)
	}
	p.obsTime = make([]int64, len(m.Observations))
	for i := range m.Observations {
		o := &m.Observations[i]
		if msg := checkObservation(o); msg != "" {
			return prepared{}, fmt.Errorf("%w: observation %d: %s", ErrInvalid, i, msg)
		}
		p.obsTime[i] = p.measured
		if !o.Time.IsZero() {
			p.obsTime[i] = o.Time.UnixNano()
		}
	}
	return p, nil
}

// checkObservation returns a description of what is wrong with o, or "" .
func checkObservation(o *Observation) (msg string) {
	if math.IsNaN(o.Float) || math.IsInf(o.Float, 0) {
		return "Float is not a finite number"
	}
	if len(o.Value) > 64 {
		return "Value longer than 64 bytes"
	}
	if !isDecimal(o.Value) {
		return "Value is not decimal text"
	}
	f, err := strconv.ParseFloat(o.Value, 64)
	if err != nil {
		return "Value is out of float64 range"
	}
	if f != o.Float && math.Abs(f-o.Float) > 1e-9*math.Max(1, math.Abs(f)) {
		return "Float differs from Value"
	}
	return ""
}

// isDecimal reports whether s is [+-]digits[.digits][(e|E)[+-]digits].
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
