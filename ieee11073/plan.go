package ieee11073

import (
	"encoding/binary"
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
	valMap *AttrValMapEntry // &ValMap[0] of the object it was built from; nil: no plan
	unit   OID              // Unit
	handle Handle           // Handle
	size   int              // bytes of obs-val-data
	timeAt int              // offset of MDCAttrTimeStampAbs, or -1
	relAt  int              // offset of MDCAttrTimeStampRel, or -1
	statAt int              // offset of MDCAttrMsmtStat, or -1
	unitAt int              // offset of MDCAttrUnitCode, or -1
	heads  []planHead       // the count and length of each compound value
	obs    []planObs        // one per observation, in map order
}

// planHead is the count and length that open a compound value: the data must hold them.
type planHead struct {
	at   int    // offset in obs-val-data
	want uint32 // the count (high 16 bits) and the length of the parts (low 16 bits)
}

// planObs is where one observation's number sits in obs-val-data, and what it measures.
type planObs struct {
	at    int  // offset in obs-val-data
	typ   Type // the object's type, or for a part of a compound value its physio list entry
	float bool // a FLOAT; an SFLOAT otherwise
}

// buildPlans builds the plans of c's objects, one per object; an object whose map no plan
// covers gets a plan with a nil valMap. The plans apply to c.Objects as it is now: a
// Configuration is read-only once built, and Observations uses them only while c.Objects
// is still the slice they were built from.
func (c *Configuration) buildPlans() {
	c.plans = make([]fixedPlan, len(c.Objects))
	for i := range c.Objects {
		c.plans[i] = makePlan(&c.Objects[i])
	}
	c.plansFor = nil
	if len(c.Objects) > 0 {
		c.plansFor = &c.Objects[0]
	}
}

// maxPlanObs bounds the observations a plan describes, so that a configuration report
// cannot make its plans much larger than itself: an attribute value map entry of 4 bytes
// can declare a compound value of thousands of parts. Larger maps go through
// appendFixedObj.
const maxPlanObs = 64

func makePlan(obj *ConfiguredObject) fixedPlan {
	m := obj.ValMap
	p := fixedPlan{timeAt: -1, relAt: -1, statAt: -1, unitAt: -1}
	off := 0
	for _, e := range m {
		n := int(e.Len)
		if want := fixedAttrLen(e.ID); want != 0 && n != want {
			return fixedPlan{}
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
			p.obs = append(p.obs, planObs{at: off, typ: obj.Type, float: e.ID == MDCAttrNuValObsSimp})
		case MDCAttrNuCmpdValObsBasic, MDCAttrNuCmpdValObsSimp:
			size := 2
			if e.ID == MDCAttrNuCmpdValObsSimp {
				size = 4
			}
			if n < 4 || (n-4)%size != 0 {
				return fixedPlan{}
			}
			if len(p.obs)+(n-4)/size > maxPlanObs {
				return fixedPlan{}
			}
			p.heads = append(p.heads, planHead{at: off, want: uint32((n-4)/size)<<16 | uint32(n-4)})
			for i := 0; i < (n-4)/size; i++ {
				p.obs = append(p.obs, planObs{at: off + 4 + i*size, typ: component(obj, i), float: size == 4})
			}
		default:
			return fixedPlan{}
		}
		if at != nil {
			if *at >= 0 {
				return fixedPlan{}
			}
			*at = off
		}
		off += n
	}
	if len(m) == 0 || len(p.obs) > maxPlanObs {
		return fixedPlan{}
	}
	p.valMap, p.size = &m[0], off
	p.unit, p.handle = obj.Unit, obj.Handle
	return p
}

// appendPlannedScan appends the observations of obs, one object after the other, for as
// long as each object has a plan that takes its obs-val-data, and returns the extended dst
// and how many of obs it took. It stops, with the observations of obs[n] not appended, at
// the first object obs[n] without a plan or whose data does not fit the plan or holds a
// malformed value; the caller decodes that one with appendFixedObj.
func (c *Configuration) appendPlannedScan(dst []Observation, obs []ObservationScanFixed, person uint16) ([]Observation, int) {
	plans, objs := c.plans, c.Objects
	// The plans were built from these objects, and the objects have not changed since: a
	// Configuration is read-only once built. A copy given objects of its own has no plans.
	if len(plans) != len(objs) || len(objs) == 0 || &objs[0] != c.plansFor {
		return dst, 0
	}
	next := 0 // reports usually list objects in the order of the configuration
	for n := range obs {
		h, v := obs[n].ObjHandle, obs[n].Value
		j := next
		if j >= len(plans) || plans[j].handle != h {
			j = -1
			if len(plans) > smallConfig {
				j = c.index(h)
			} else {
				for k := range plans {
					if plans[k].handle == h {
						j = k
						break
					}
				}
			}
		}
		if j < 0 || j >= len(objs) {
			return dst, n
		}
		next = j + 1
		p := &plans[j]
		if p.valMap == nil || len(v) != p.size {
			return dst, n
		}
		for k := range p.heads {
			if hd := &p.heads[k]; binary.BigEndian.Uint32(v[hd.at:]) != hd.want {
				return dst, n
			}
		}
		var tm AbsoluteTime
		if i := p.timeAt; i >= 0 {
			t := v[i : i+8]
			if !bcd8(binary.BigEndian.Uint64(t)) {
				return dst, n
			}
			tm = AbsoluteTime(t)
		}
		var rel RelativeTime
		if i := p.relAt; i >= 0 {
			t := v[i : i+4]
			rel = RelativeTime(uint32(t[0])<<24 | uint32(t[1])<<16 | uint32(t[2])<<8 | uint32(t[3]))
		}
		var status uint16
		if i := p.statAt; i >= 0 {
			t := v[i : i+2]
			status = uint16(t[0])<<8 | uint16(t[1])
		}
		unit := p.unit
		if i := p.unitAt; i >= 0 {
			t := v[i : i+2]
			unit = OID(uint16(t[0])<<8 | uint16(t[1]))
		}
		start := len(dst)
		dst = slices.Grow(dst, len(p.obs))[:start+len(p.obs)]
		out := dst[start:]
		for i := range p.obs {
			po := &p.obs[i]
			var val Float
			if po.float {
				f := v[po.at : po.at+4]
				val = Float(uint32(f[0])<<24 | uint32(f[1])<<16 | uint32(f[2])<<8 | uint32(f[3]))
			} else {
				f := v[po.at : po.at+2]
				val = SFloat(uint16(f[0])<<8 | uint16(f[1])).Float()
			}
			// Each field is stored on its own: copying a whole Observation assembled on
			// the stack would read back the narrow stores that built it, which the
			// processor cannot forward.
			o := &out[i]
			o.Value = val
			o.Bits = 0
			o.RelTime = rel
			o.Type = po.typ
			o.Time = tm
			o.Handle = h
			o.PersonID = person
			o.Unit = unit
			o.Enum = 0
			o.Status = status
			o.Kind = ObservationNumeric
		}
	}
	return dst, len(obs)
}
