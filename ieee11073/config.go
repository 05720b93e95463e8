package ieee11073

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/phdkit/phdkit/ieee11073/internal/mder"
)

// ErrConfig means a configuration report is malformed or not supported; the error says why.
var ErrConfig = errors.New("ieee11073: invalid configuration")

// ErrUnknownHandle means a report names an object its configuration does not have.
var ErrUnknownHandle = errors.New("ieee11073: unknown object handle")

// ErrUnsupportedReport means the event is not one Observations can decode.
var ErrUnsupportedReport = errors.New("ieee11073: unsupported report type")

// Configuration is an agent configuration as a manager uses it: the objects an agent with
// this configuration reports, with the static attributes needed to read its reports (20601
// Annex A, ConfigReport). Build one with ParseConfigReport, or take a standard one from
// StandardConfiguration. A Configuration does not alias any input and is safe for
// concurrent reading. It is read-only once built: never modify its objects in place (the
// ones a Registry or StandardConfiguration returns are shared). To derive a different
// configuration, copy it and give the copy a new Objects slice.
type Configuration struct {
	ID      ConfigID
	Objects []ConfiguredObject

	// byHandle lists the indexes of Objects in handle order, for configurations with many
	// objects; ParseConfigReport builds it.
	byHandle []int
	// plans holds the layout of each object's fixed-format reports, in the order of
	// Objects; ParseConfigReport and the standard configurations build it, and plansFor is
	// &Objects[0] then. Observations uses the plans only while Objects is still that slice:
	// the objects of a Configuration do not change once it is built, so a changed copy,
	// which needs objects of its own, decodes without them, correctly.
	plans    []fixedPlan
	plansFor *ConfiguredObject
	planMax  int // the most observations any plan describes
}

// ConfiguredObject is one object of a configuration and the attributes of it that matter
// for decoding its observations.
type ConfiguredObject struct {
	Class        OID    // MDCMocVmoMetricNu, MDCMocVmoMetricEnum, MDCMocVmoMetricSART, …
	Handle       Handle // unique within the configuration, never 0
	Type         Type   // MDCAttrIDType: what the object measures
	MetricSpec   uint16 // MDCAttrMetricSpecSmall: MetricSpec* bits
	Struct       MetricStructureSmall
	Unit         OID        // MDCAttrUnitCode, partition DIM; 0 when none
	PhysioList   []OID      // MDCAttrIDPhysioList: the codes of a compound metric's parts
	ValMap       AttrValMap // MDCAttrAttributeValMap: layout of fixed-format reports
	Supplemental TypeList   // MDCAttrSupplementalTypes
	// HandleValMap is a scanner's MDCAttrScanHandleAttrValMap: the layout of its grouped
	// scan reports.
	HandleValMap HandleAttrValMap
	// Attributes holds every attribute of the configuration report as sent, for
	// re-encoding; it is nil for the standard configurations, whose report is built from
	// the fields above.
	Attributes AttributeList
}

// Object returns the object with handle h, or nil.
func (c *Configuration) Object(h Handle) *ConfiguredObject {
	if i := c.index(h); i >= 0 {
		return &c.Objects[i]
	}
	return nil
}

// index returns the index in Objects of the object with handle h, or -1.
func (c *Configuration) index(h Handle) int {
	if len(c.byHandle) == len(c.Objects) && len(c.Objects) > smallConfig {
		i := sort.Search(len(c.byHandle), func(i int) bool { return c.Objects[c.byHandle[i]].Handle >= h })
		if i < len(c.byHandle) && c.Objects[c.byHandle[i]].Handle == h {
			return c.byHandle[i]
		}
		return -1
	}
	for i := range c.Objects {
		if c.Objects[i].Handle == h {
			return i
		}
	}
	return -1
}

// smallConfig is the number of objects up to which Object searches linearly.
const smallConfig = 16

// Report returns the configuration as an agent sends it in an MDCNotiConfig event report.
// Its slices are new; it does not alias c.
func (c *Configuration) Report() (ConfigReport, error) {
	rep := ConfigReport{ConfigReportID: c.ID, Objects: make([]ConfigObject, len(c.Objects))}
	for i := range c.Objects {
		o := &c.Objects[i]
		rep.Objects[i] = ConfigObject{Class: o.Class, ObjHandle: o.Handle}
		if o.Attributes != nil {
			rep.Objects[i].Attributes = cloneAttributes(o.Attributes)
			continue
		}
		attrs, err := o.buildAttributes()
		if err != nil {
			return ConfigReport{}, err
		}
		rep.Objects[i].Attributes = attrs
	}
	return rep, nil
}

// buildAttributes encodes the typed fields of o as an attribute list.
func (o *ConfiguredObject) buildAttributes() (AttributeList, error) {
	var l AttributeList
	add := func(id OID, v []byte, err error) error {
		if err != nil {
			return err
		}
		l = append(l, AVA{ID: id, Value: v})
		return nil
	}
	if o.Type != (Type{}) {
		t, _ := o.Type.AppendBinary(nil)
		_ = add(MDCAttrIDType, t, nil)
	}
	if o.MetricSpec != 0 {
		_ = add(MDCAttrMetricSpecSmall, mder.AppendU16(nil, o.MetricSpec), nil)
	}
	if o.Struct != (MetricStructureSmall{}) {
		_ = add(MDCAttrMetricStructSmall, []byte{o.Struct.Struct, o.Struct.CompNo}, nil)
	}
	if len(o.PhysioList) > 0 {
		v, err := OIDList(o.PhysioList).AppendBinary(nil)
		if err := add(MDCAttrIDPhysioList, v, err); err != nil {
			return nil, err
		}
	}
	if o.Unit != 0 {
		_ = add(MDCAttrUnitCode, mder.AppendU16(nil, uint16(o.Unit)), nil)
	}
	if len(o.Supplemental) > 0 {
		v, err := o.Supplemental.AppendBinary(nil)
		if err := add(MDCAttrSupplementalTypes, v, err); err != nil {
			return nil, err
		}
	}
	if len(o.ValMap) > 0 {
		v, err := o.ValMap.AppendBinary(nil)
		if err := add(MDCAttrAttributeValMap, v, err); err != nil {
			return nil, err
		}
	}
	if len(o.HandleValMap) > 0 {
		v, err := o.HandleValMap.AppendBinary(nil)
		if err := add(MDCAttrScanHandleAttrValMap, v, err); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func cloneAttributes(l AttributeList) AttributeList {
	n := 0
	for i := range l {
		n += len(l[i].Value)
	}
	buf := make([]byte, 0, n)
	out := make(AttributeList, len(l))
	for i := range l {
		start := len(buf)
		buf = append(buf, l[i].Value...)
		out[i] = AVA{ID: l[i].ID, Value: buf[start:len(buf):len(buf)]}
	}
	return out
}

// fixedAttrLen gives the size the standard fixes for the attributes that can appear in an
// attribute value map with a fixed size; 0 means variable.
func fixedAttrLen(id OID) int {
	switch id {
	case MDCAttrNuValObsBasic, MDCAttrMsmtStat, MDCAttrUnitCode, MDCAttrEnumObsValSimpOID,
		MDCAttrEnumObsValBasicBitStr:
		return 2
	case MDCAttrNuValObsSimp, MDCAttrTimeStampRel, MDCAttrEnumObsValSimpBitStr:
		return 4
	case MDCAttrTimeStampAbs, MDCAttrTimeStampRelHiRes:
		return 8
	case MDCAttrNuValObs:
		return 10
	}
	return 0
}

// ParseConfigReport checks an agent's configuration report and returns it as a
// Configuration that owns its memory (rep may be reused afterwards). It fails with an
// error wrapping ErrConfig when an object has handle 0 or a duplicate handle, a metric
// object lacks its type, or an attribute the decoder relies on is malformed.
func ParseConfigReport(rep *ConfigReport) (*Configuration, error) {
	c := &Configuration{ID: rep.ConfigReportID, Objects: make([]ConfiguredObject, len(rep.Objects))}
	c.byHandle = make([]int, len(rep.Objects))
	for i := range c.byHandle {
		c.byHandle[i] = i
	}
	sort.Slice(c.byHandle, func(i, j int) bool {
		return rep.Objects[c.byHandle[i]].ObjHandle < rep.Objects[c.byHandle[j]].ObjHandle
	})
	for i := 1; i < len(c.byHandle); i++ {
		if h := rep.Objects[c.byHandle[i]].ObjHandle; h == rep.Objects[c.byHandle[i-1]].ObjHandle {
			return nil, fmt.Errorf("%w: handle %d used twice", ErrConfig, h)
		}
	}
	for i := range rep.Objects {
		ro := &rep.Objects[i]
		if ro.ObjHandle == 0 {
			return nil, fmt.Errorf("%w: object %d has handle 0", ErrConfig, i)
		}
		o := &c.Objects[i]
		o.Class, o.Handle = ro.Class, ro.ObjHandle
		o.Attributes = cloneAttributes(ro.Attributes)
		if err := o.readAttributes(); err != nil {
			return nil, fmt.Errorf("%w: object %d: %w", ErrConfig, ro.ObjHandle, err)
		}
		switch o.Class {
		case MDCMocVmoMetricNu, MDCMocVmoMetricEnum, MDCMocVmoMetricSART:
			if o.Type == (Type{}) {
				return nil, fmt.Errorf("%w: object %d has no MDC_ATTR_ID_TYPE", ErrConfig, ro.ObjHandle)
			}
		}
	}
	c.buildPlans()
	return c, nil
}

// readAttributes fills the typed fields of o from o.Attributes.
func (o *ConfiguredObject) readAttributes() error {
	for _, a := range o.Attributes {
		var err error
		switch a.ID {
		case MDCAttrIDType:
			err = exact(o.Type.Unmarshal(a.Value))(a.Value, "MDC_ATTR_ID_TYPE")
		case MDCAttrMetricSpecSmall:
			if len(a.Value) != 2 {
				return fmt.Errorf("MDC_ATTR_METRIC_SPEC_SMALL: %w", ErrLength)
			}
			o.MetricSpec = uint16(a.Value[0])<<8 | uint16(a.Value[1])
		case MDCAttrMetricStructSmall:
			if len(a.Value) != 2 {
				return fmt.Errorf("MDC_ATTR_METRIC_STRUCT_SMALL: %w", ErrLength)
			}
			o.Struct = MetricStructureSmall{a.Value[0], a.Value[1]}
		case MDCAttrUnitCode:
			if len(a.Value) != 2 {
				return fmt.Errorf("MDC_ATTR_UNIT_CODE: %w", ErrLength)
			}
			o.Unit = OID(uint16(a.Value[0])<<8 | uint16(a.Value[1]))
		case MDCAttrIDPhysioList:
			var l OIDList
			err = exact(l.Unmarshal(a.Value))(a.Value, "MDC_ATTR_ID_PHYSIO_LIST")
			o.PhysioList = l
		case MDCAttrAttributeValMap:
			err = exact(o.ValMap.Unmarshal(a.Value))(a.Value, "MDC_ATTR_ATTRIBUTE_VAL_MAP")
			for _, e := range o.ValMap {
				if n := fixedAttrLen(e.ID); n != 0 && int(e.Len) != n {
					return fmt.Errorf("MDC_ATTR_ATTRIBUTE_VAL_MAP: attribute %d has length %d, want %d", e.ID, e.Len, n)
				}
			}
		case MDCAttrSupplementalTypes:
			err = exact(o.Supplemental.Unmarshal(a.Value))(a.Value, "MDC_ATTR_SUPPLEMENTAL_TYPES")
		case MDCAttrScanHandleAttrValMap:
			err = exact(o.HandleValMap.Unmarshal(a.Value))(a.Value, "MDC_ATTR_SCAN_HANDLE_ATTR_VAL_MAP")
			for _, h := range o.HandleValMap {
				for _, e := range h.ValMap {
					if n := fixedAttrLen(e.ID); n != 0 && int(e.Len) != n {
						return fmt.Errorf("MDC_ATTR_SCAN_HANDLE_ATTR_VAL_MAP: attribute %d has length %d, want %d", e.ID, e.Len, n)
					}
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// exact turns the result of an Unmarshal into a check that it used the whole value.
func exact(n int, err error) func(b []byte, name string) error {
	return func(b []byte, name string) error {
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if n != len(b) {
			return fmt.Errorf("%s: %w", name, ErrLength)
		}
		return nil
	}
}

// StandardConfiguration returns the standard configuration id defined by a device
// specialization this package knows: 0x0190 and 0x0191 (10404 pulse oximeter), 0x02BC
// (10407 blood pressure), 0x0320 (10408 thermometer), 0x05DC (10415 weighing scale) and
// 0x06A4 (10417 glucose meter). The result is shared: do not modify it.
func StandardConfiguration(id ConfigID) (*Configuration, bool) {
	for i := range standardConfigs {
		if standardConfigs[i].ID == id {
			return &standardConfigs[i], true
		}
	}
	return nil, false
}

// StandardConfigurationIDs returns the IDs StandardConfiguration knows, in increasing order.
func StandardConfigurationIDs() []ConfigID {
	ids := make([]ConfigID, len(standardConfigs))
	for i := range standardConfigs {
		ids[i] = standardConfigs[i].ID
	}
	return ids
}

// Metric-spec-small of the standard configurations: intermittent, stored data, aperiodic
// update and measurement, agent-initiated (0xF040), or stored data and agent-initiated
// (0x4040, pulse oximeter).
const (
	specEpisodic = MetricSpecAvailIntermittent | MetricSpecAvailStoredData | MetricSpecUpdAperiodic |
		MetricSpecMsmtAperiodic | MetricSpecAccAgentInit
	specOximeter = MetricSpecAvailStoredData | MetricSpecAccAgentInit
)

// standardConfigs holds the standard configurations, sorted by ID: objects, handles,
// units and attribute value maps as the specializations define them.
var standardConfigs = withPlans([]Configuration{
	{ID: 0x0190, Objects: []ConfiguredObject{ // 10404 pulse oximeter
		{Class: MDCMocVmoMetricNu, Handle: 1, Type: Type{PartitionSCADA, MDCPulsOximSatO2},
			MetricSpec: specOximeter, Unit: MDCDimPercent,
			ValMap: AttrValMap{{MDCAttrNuValObsBasic, 2}}},
		{Class: MDCMocVmoMetricNu, Handle: 10, Type: Type{PartitionSCADA, MDCPulsOximPulsRate},
			MetricSpec: specOximeter, Unit: MDCDimBeatPerMin,
			ValMap: AttrValMap{{MDCAttrNuValObsBasic, 2}}},
	}},
	{ID: 0x0191, Objects: []ConfiguredObject{ // 10404 pulse oximeter, spot-check with time stamps
		{Class: MDCMocVmoMetricNu, Handle: 1, Type: Type{PartitionSCADA, MDCPulsOximSatO2},
			MetricSpec: specOximeter, Unit: MDCDimPercent,
			ValMap:       AttrValMap{{MDCAttrNuValObsBasic, 2}, {MDCAttrTimeStampAbs, 8}},
			Supplemental: TypeList{{PartitionSCADA, MDCModalitySpot}}},
		{Class: MDCMocVmoMetricNu, Handle: 10, Type: Type{PartitionSCADA, MDCPulsOximPulsRate},
			MetricSpec: specOximeter, Unit: MDCDimBeatPerMin,
			ValMap:       AttrValMap{{MDCAttrNuValObsBasic, 2}, {MDCAttrTimeStampAbs, 8}},
			Supplemental: TypeList{{PartitionSCADA, MDCModalitySpot}}},
	}},
	{ID: 0x02BC, Objects: []ConfiguredObject{ // 10407 blood pressure monitor
		{Class: MDCMocVmoMetricNu, Handle: 1, Type: Type{PartitionSCADA, MDCPressBldNoninv},
			MetricSpec: specEpisodic, Struct: MetricStructureSmall{MetricStructCompoundFix, 3},
			PhysioList: []OID{MDCPressBldNoninvSys, MDCPressBldNoninvDia, MDCPressBldNoninvMean},
			Unit:       MDCDimMmhg,
			ValMap:     AttrValMap{{MDCAttrNuCmpdValObsBasic, 10}, {MDCAttrTimeStampAbs, 8}}},
		{Class: MDCMocVmoMetricNu, Handle: 2, Type: Type{PartitionSCADA, MDCPulsRateNonInv},
			MetricSpec: specEpisodic, Unit: MDCDimBeatPerMin,
			ValMap: AttrValMap{{MDCAttrNuValObsBasic, 2}, {MDCAttrTimeStampAbs, 8}}},
	}},
	{ID: 0x0320, Objects: []ConfiguredObject{ // 10408 thermometer
		{Class: MDCMocVmoMetricNu, Handle: 1, Type: Type{PartitionSCADA, MDCTempBody},
			MetricSpec: specEpisodic, Unit: MDCDimDegc,
			ValMap: AttrValMap{{MDCAttrNuValObsBasic, 2}, {MDCAttrTimeStampAbs, 8}}},
	}},
	{ID: 0x05DC, Objects: []ConfiguredObject{ // 10415 weighing scale
		{Class: MDCMocVmoMetricNu, Handle: 1, Type: Type{PartitionSCADA, MDCMassBodyActual},
			MetricSpec: specEpisodic, Unit: MDCDimKiloG,
			ValMap: AttrValMap{{MDCAttrNuValObsSimp, 4}, {MDCAttrTimeStampAbs, 8}}},
	}},
	{ID: 0x06A4, Objects: []ConfiguredObject{ // 10417 glucose meter
		{Class: MDCMocVmoMetricNu, Handle: 1, Type: Type{PartitionSCADA, MDCConcGluCapillaryWholeblood},
			MetricSpec: specEpisodic, Unit: MDCDimMilliGPerDl,
			ValMap: AttrValMap{{MDCAttrNuValObsBasic, 2}, {MDCAttrTimeStampAbs, 8}}},
	}},
})

// withPlans builds the plans of every configuration in cs and returns cs.
func withPlans(cs []Configuration) []Configuration {
	for i := range cs {
		cs[i].buildPlans()
	}
	return cs
}

// Registry is a manager's memory of the extended configurations it has accepted, keyed by
// the agent's System ID and Config ID, so that an agent that associates again with a known
// configuration need not send it again. The zero Registry is ready to
// use and accepts every well-formed configuration; it is safe for concurrent use and must
// not be copied after first use.
type Registry struct {
	// Policy, when not nil, is asked whether a well-formed configuration is supported; a
	// false answer rejects it with ConfigResultUnsupported. It must be safe for concurrent
	// calls and must not modify cfg.
	Policy func(systemID []byte, cfg *Configuration) bool
	// MaxEntries bounds how many configurations the registry remembers; when it is full,
	// new configurations are rejected with ConfigResultUnsupported. 0 means 4096.
	MaxEntries int

	mu sync.RWMutex
	m  map[string]map[ConfigID]*Configuration
	n  int
}

// Lookup returns the configuration an agent with this System ID and Config ID uses: one
// the registry has accepted, or else a standard configuration.
func (r *Registry) Lookup(systemID []byte, id ConfigID) (*Configuration, bool) {
	r.mu.RLock()
	c, ok := r.m[string(systemID)][id]
	r.mu.RUnlock()
	if ok {
		return c, true
	}
	return StandardConfiguration(id)
}

// Register checks an agent's configuration report and, when it is well formed and the
// Policy supports it, remembers it under the System ID and its Config ID. It returns the
// result to send in the ConfigReportRsp, the configuration when accepted, and an error
// saying why when not.
func (r *Registry) Register(systemID []byte, rep *ConfigReport) (*Configuration, ConfigResult, error) {
	if rep.ConfigReportID == ConfigIDManagerResponse || rep.ConfigReportID > ConfigIDExtendedEnd {
		return nil, ConfigResultUnsupported, fmt.Errorf("%w: config-report-id %#04x is reserved", ErrConfig, uint16(rep.ConfigReportID))
	}
	cfg, err := ParseConfigReport(rep)
	if err != nil {
		return nil, ConfigResultUnsupported, err
	}
	if r.Policy != nil && !r.Policy(systemID, cfg) {
		return nil, ConfigResultUnsupported, fmt.Errorf("%w: configuration %#04x not supported", ErrConfig, uint16(cfg.ID))
	}
	limit := r.MaxEntries
	if limit <= 0 {
		limit = 4096
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = make(map[string]map[ConfigID]*Configuration)
	}
	byID := r.m[string(systemID)]
	if _, replace := byID[cfg.ID]; !replace {
		if r.n >= limit {
			return nil, ConfigResultUnsupported, fmt.Errorf("%w: registry full (%d configurations)", ErrConfig, r.n)
		}
		r.n++
	}
	if byID == nil {
		byID = make(map[ConfigID]*Configuration)
		r.m[string(systemID)] = byID
	}
	byID[cfg.ID] = cfg
	return cfg, ConfigResultAccepted, nil
}

// Forget removes a remembered configuration.
func (r *Registry) Forget(systemID []byte, id ConfigID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	byID := r.m[string(systemID)]
	if _, ok := byID[id]; ok {
		delete(byID, id)
		r.n--
		if len(byID) == 0 {
			delete(r.m, string(systemID))
		}
	}
}

// Len returns how many configurations the registry remembers.
func (r *Registry) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.n
}
