package ieee11073

import (
	"encoding/binary"
	"math"
	"slices"
)

// fixedPlan is the layout of one object's obs-val-data in fixed-format scan reports,
// worked out once from the object's attribute value map when its Configuration is built:
// where the time stamps, status and unit sit, and where each observation's number starts.
// With it, Observations reads the attributes that apply to every value first and then
// writes each observation once, without walking the map.
//
// A plan covers maps made only of BasicNuObsValue, SimpleNuObsValue, their compound forms,
// AbsoluteTime, RelativeTime, MeasurementStatus and a unit code, each of the last four at
// most once; other maps, and reports whose bytes the plan cannot take, go through
// appendFixedObj, which also names the failing field.
type fixedPlan struct {
	size   int        // bytes of obs-val-data; -1 when there is no plan
	handle Handle     // Handle
	timeAt int        // offset of MDCAttrTimeStampAbs, or -1
	relAt  int        // offset of MDCAttrTimeStampRel, or -1
	statAt int        // offset of MDCAttrMsmtStat, or -1
	unitAt int        // offset of MDCAttrUnitCode, or -1
	other  bool       // relAt, statAt or unitAt is not -1
	headAt int        // offset of the first compound value's count, or -1
	head   uint32     // what it holds: the count (high 16 bits) and the length of the parts
	heads  []planHead // the count and length of each further compound value
	obs    []planObs  // one per observation, in map order
}

// planHead is the count and length that open a compound value: the data must hold them.
type planHead struct {
	at   int    // offset in obs-val-data
	want uint32 // the count (high 16 bits) and the length of the parts (low 16 bits)
}

// planObs is where one observation's number sits in obs-val-data, and the observation
// with every field that does not depend on the report already set: its type (the
// object's, or for a part of a compound value its physio list entry), handle, unit,
// kind and an unknown person.
type planObs struct {
	tmpl  Observation
	at    uint16 // offset in obs-val-data
	float bool   // a FLOAT; an SFLOAT otherwise
}

// buildPlans builds the plans of c's objects, one per object; an object whose map no plan
// covers gets noPlan. The plans apply to c.Objects as it is now: a
// Configuration is read-only once built, and Observations uses them only while c.Objects
// is still the slice they were built from.
func (c *Configuration) buildPlans() {
	c.plans = make([]fixedPlan, len(c.Objects))
	for i := range c.Objects {
		c.plans[i] = makePlan(&c.Objects[i])
	}
	c.plansFor, c.planMax = nil, 0
	for i := range c.plans {
		c.planMax = max(c.planMax, len(c.plans[i].obs))
	}
	if len(c.Objects) > 0 {
		c.plansFor = &c.Objects[0]
	}
}

// maxPlanObs bounds the observations a plan describes, so that a configuration report
// cannot make its plans much larger than itself: an attribute value map entry of 4 bytes
// can declare a compound value of thousands of parts. Larger maps go through
// appendFixedObj.
const maxPlanObs = 64

// noPlan is the plan of an object whose map no plan covers: it takes no data.
var noPlan = fixedPlan{size: -1, headAt: -1}

func newPlanObs(obj *ConfiguredObject, typ Type, at int, float bool) planObs {
	return planObs{
		tmpl: Observation{Type: typ, Handle: obj.Handle, PersonID: PersonIDUnknown,
			Unit: obj.Unit, Kind: ObservationNumeric},
		at:    uint16(at),
		float: float,
	}
}

func makePlan(obj *ConfiguredObject) fixedPlan {
	m := obj.ValMap
	p := fixedPlan{size: -1, headAt: -1, timeAt: -1, relAt: -1, statAt: -1, unitAt: -1}
	off := 0
	for _, e := range m {
		n := int(e.Len)
		if want := fixedAttrLen(e.ID); want != 0 && n != want {
			return noPlan
		}
		var at *int
		switch e.ID {
		case MDCAttrTimeStampAbs:
			at = &p.timeAt
		case MDCAttrTimeStampRel:
			at = &p.relAt
		case MDCAttrMsmtStat:
			at = &p.statAt
		case MDCAttrUnitCode:
			at = &p.unitAt
		case MDCAttrNuValObsBasic, MDCAttrNuValObsSimp:
			p.obs = append(p.obs, newPlanObs(obj, obj.Type, off, e.ID == MDCAttrNuValObsSimp))
		case MDCAttrNuCmpdValObsBasic, MDCAttrNuCmpdValObsSimp:
			size := 2
			if e.ID == MDCAttrNuCmpdValObsSimp {
				size = 4
			}
			if n < 4 || (n-4)%size != 0 {
				return noPlan
			}
			if len(p.obs)+(n-4)/size > maxPlanObs {
				return noPlan
			}
			if want := uint32((n-4)/size)<<16 | uint32(n-4); p.headAt < 0 {
				p.headAt, p.head = off, want
			} else {
				p.heads = append(p.heads, planHead{at: off, want: want})
			}
			for i := 0; i < (n-4)/size; i++ {
				p.obs = append(p.obs, newPlanObs(obj, component(obj, i), off+4+i*size, size == 4))
			}
		default:
			return noPlan
		}
		if at != nil {
			if *at >= 0 {
				return noPlan
			}
			*at = off
		}
		off += n
	}
	// Offsets are kept in 16 bits: obs-val-data never exceeds 65,535 bytes.
	if len(m) == 0 || len(p.obs) > maxPlanObs || off > math.MaxUint16 {
		return noPlan
	}
	p.size = off
	p.handle = obj.Handle
	p.other = p.relAt >= 0 || p.statAt >= 0 || p.unitAt >= 0
	return p
}

// appendPlannedScan appends the observations of obs, one object after the other, for as
// long as each object has a plan that takes its obs-val-data, and returns the extended dst
// and how many of obs it took. It stops, with the observations of obs[n] not appended, at
// the first object obs[n] without a plan or whose data does not fit the plan or holds a
// malformed value; the caller decodes that one with appendFixedObj.
//
// The loop keeps few values live, so that they stay in registers: what most plans lack
// (a relative time, a status, a unit attribute) is filled in afterwards, and the
// observations have an unknown person: callers decoding a multiple-person report set it.
func (c *Configuration) appendPlannedScan(dst []Observation, obs []ObservationScanFixed) ([]Observation, int) {
	plans := c.plans
	// The plans were built from these objects, and the objects have not changed since: a
	// Configuration is read-only once built. A copy given objects of its own has no plans.
	if len(plans) != len(c.Objects) || len(plans) == 0 || &c.Objects[0] != c.plansFor {
		return dst, 0
	}
	// Room for every observation first, so that the loop calls nothing.
	if cap(dst)-len(dst) < len(obs)*c.planMax {
		dst = c.growPlanned(dst, obs)
	}
	next := 0 // reports usually list objects in the order of the configuration
	n := 0
	for ; n < len(obs); n++ {
		h := obs[n].ObjHandle
		j := next
		if j >= len(plans) || plans[j].handle != h {
			// Searched here, not with planIndex: a call in the loop would make the
			// compiler keep the loop's values on the stack.
			if len(plans) > smallConfig {
				j = c.index(h)
			} else {
				for j = len(plans) - 1; j >= 0 && plans[j].handle != h; j-- {
				}
			}
			if j < 0 {
				break
			}
		}
		next = j + 1
		p := &plans[j]
		v := obs[n].Value
		if len(v) != p.size {
			break
		}
		if i := p.headAt; i >= 0 && (binary.BigEndian.Uint32(v[i:]) != p.head || len(p.heads) != 0 && !p.headsMatch(v)) {
			break
		}
		// The time stamp is carried as the 8 bytes in memory order: bcd8 looks at each
		// byte on its own.
		var tm uint64
		if i := p.timeAt; i >= 0 {
			if tm = binary.LittleEndian.Uint64(v[i:]); !bcd8(tm) {
				break
			}
		}
		k := len(p.obs)
		if cap(dst)-len(dst) < k {
			break // growPlanned made room for every object with a plan
		}
		start := len(dst)
		dst = dst[:start+k]
		out := dst[start:]
		pobs := p.obs
		for i := range pobs {
			po := &pobs[i]
			at := int(po.at)
			var val Float
			if po.float {
				val = Float(uint32(v[at+3]) | uint32(v[at+2])<<8 | uint32(v[at+1])<<16 | uint32(v[at])<<24)
			} else {
				val = SFloat(uint16(v[at+1]) | uint16(v[at])<<8).Float()
			}
			// The template was written when the configuration was built, so copying it
			// does not wait on recent narrow stores.
			o := &out[i]
			*o = po.tmpl
			o.Value = val
			binary.LittleEndian.PutUint64(o.Time[:], tm)
		}
		if p.other {
			p.fillOther(out, v)
		}
	}
	return dst, n
}

// headsMatch reports whether the compound values in v have the counts and lengths of p.
func (p *fixedPlan) headsMatch(v []byte) bool {
	for k := range p.heads {
		if hd := &p.heads[k]; binary.BigEndian.Uint32(v[hd.at:]) != hd.want {
			return false
		}
	}
	return true
}

// fillOther sets in out, the observations of v, the relative time stamp, status and unit
// that v holds.
func (p *fixedPlan) fillOther(out []Observation, v []byte) {
	if i := p.relAt; i >= 0 {
		rel := RelativeTime(binary.BigEndian.Uint32(v[i:]))
		for k := range out {
			out[k].RelTime = rel
		}
	}
	if i := p.statAt; i >= 0 {
		status := binary.BigEndian.Uint16(v[i:])
		for k := range out {
			out[k].Status = status
		}
	}
	if i := p.unitAt; i >= 0 {
		unit := OID(binary.BigEndian.Uint16(v[i:]))
		for k := range out {
			out[k].Unit = unit
		}
	}
}

// growPlanned returns dst with room for the observations of every object in obs that
// has a plan.
func (c *Configuration) growPlanned(dst []Observation, obs []ObservationScanFixed) []Observation {
	total := 0
	for n := range obs {
		if j := c.planIndex(obs[n].ObjHandle); j >= 0 {
			total += len(c.plans[j].obs)
		}
	}
	return slices.Grow(dst, total)
}

// planIndex returns the index in c.plans of the object with handle h, or -1.
func (c *Configuration) planIndex(h Handle) int {
	if len(c.plans) > smallConfig {
		return c.index(h)
	}
	for k := range c.plans {
		if c.plans[k].handle == h {
			return k
		}
	}
	return -1
}
