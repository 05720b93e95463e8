package ieee11073

import "slices"

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
	valMap *AttrValMapEntry // &ValMap[0] of the map the plan describes; nil: no plan
	mapLen int              // len(ValMap)
	handle Handle           // the object's handle
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
	at    int    // offset in obs-val-data
	count uint16 // parts
	len   uint16 // bytes of the parts
}

// planObs is where one observation's number sits in obs-val-data.
type planObs struct {
	at    int  // offset in obs-val-data
	float bool // a FLOAT; an SFLOAT otherwise
	part  int  // its index in a compound value, which names it by the physio list; -1 if none
}

// buildPlans returns the plans for objs, one per object; an object whose map no plan
// covers gets a plan with a nil valMap.
func buildPlans(objs []ConfiguredObject) []fixedPlan {
	plans := make([]fixedPlan, len(objs))
	for i := range objs {
		plans[i] = makePlan(objs[i].ValMap)
		plans[i].handle = objs[i].Handle
	}
	return plans
}

func makePlan(m AttrValMap) fixedPlan {
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
			p.obs = append(p.obs, planObs{at: off, float: e.ID == MDCAttrNuValObsSimp, part: -1})
		case MDCAttrNuCmpdValObsBasic, MDCAttrNuCmpdValObsSimp:
			size := 2
			if e.ID == MDCAttrNuCmpdValObsSimp {
				size = 4
			}
			if n < 4 || (n-4)%size != 0 {
				return fixedPlan{}
			}
			p.heads = append(p.heads, planHead{at: off, count: uint16((n - 4) / size), len: uint16(n - 4)})
			for i := 0; i < (n-4)/size; i++ {
				p.obs = append(p.obs, planObs{at: off + 4 + i*size, float: size == 4, part: i})
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
	if len(m) == 0 {
		return fixedPlan{}
	}
	p.valMap, p.mapLen, p.size = &m[0], len(m), off
	return p
}

// plan returns the index of the object with handle h when it has a plan that describes
// its ValMap as it is now, or -1.
func (c *Configuration) plan(h Handle) int {
	if len(c.plans) != len(c.Objects) {
		return -1
	}
	i := -1
	if len(c.Objects) > smallConfig {
		i = c.index(h)
	} else {
		for j := range c.plans {
			if c.plans[j].handle == h {
				i = j
				break
			}
		}
	}
	if i < 0 {
		return -1
	}
	p, obj := &c.plans[i], &c.Objects[i]
	if obj.Handle != h || p.mapLen != len(obj.ValMap) || p.mapLen == 0 || p.valMap != &obj.ValMap[0] {
		return -1
	}
	return i
}

// appendPlanned appends the observations in v, the obs-val-data of object obj laid out by
// p. It reports false, with dst unchanged, when v does not fit the plan or holds a
// malformed value; the caller then decodes v with appendFixedObj.
func appendPlanned(dst []Observation, p *fixedPlan, obj *ConfiguredObject, v []byte, person uint16) ([]Observation, bool) {
	if len(v) != p.size {
		return dst, false
	}
	for _, hd := range p.heads {
		f := v[hd.at : hd.at+4]
		if uint16(f[0])<<8|uint16(f[1]) != hd.count || uint16(f[2])<<8|uint16(f[3]) != hd.len {
			return dst, false
		}
	}
	var tm AbsoluteTime
	if i := p.timeAt; i >= 0 {
		t := v[i : i+8]
		x := uint64(t[0])<<56 | uint64(t[1])<<48 | uint64(t[2])<<40 | uint64(t[3])<<32 |
			uint64(t[4])<<24 | uint64(t[5])<<16 | uint64(t[6])<<8 | uint64(t[7])
		if !bcd8(x) {
			return dst, false
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
	unit := obj.Unit
	if i := p.unitAt; i >= 0 {
		t := v[i : i+2]
		unit = OID(uint16(t[0])<<8 | uint16(t[1]))
	}
	start := len(dst)
	dst = slices.Grow(dst, len(p.obs))[:start+len(p.obs)]
	out := dst[start:]
	for i, po := range p.obs {
		var val Float
		if po.float {
			f := v[po.at : po.at+4]
			val = Float(uint32(f[0])<<24 | uint32(f[1])<<16 | uint32(f[2])<<8 | uint32(f[3]))
		} else {
			f := v[po.at : po.at+2]
			val = SFloat(uint16(f[0])<<8 | uint16(f[1])).Float()
		}
		t := obj.Type
		if uint(po.part) < uint(len(obj.PhysioList)) {
			t.Code = obj.PhysioList[po.part]
		}
		// Each field is stored on its own: copying a whole Observation assembled on the
		// stack would read back the narrow stores that built it, which the processor
		// cannot forward.
		o := &out[i]
		o.Value = val
		o.Bits = 0
		o.RelTime = rel
		o.Type = t
		o.Time = tm
		o.Handle = obj.Handle
		o.PersonID = person
		o.Unit = unit
		o.Enum = 0
		o.Status = status
		o.Kind = ObservationNumeric
	}
	return dst, true
}
