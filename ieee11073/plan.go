package ieee11073

import "slices"

// fixedPlan is the layout of one object's obs-val-data in fixed-format scan reports,
// worked out once from the object's attribute value map when its Configuration is built:
// where the time stamps, status and unit sit, where each value starts and how many
// observations the data holds. With it, Observations reads the attributes that apply to
// every value first and then writes each observation once, without walking the map.
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
	nobs   int              // observations in one obs-val-data
	timeAt int              // offset of MDCAttrTimeStampAbs, or -1
	relAt  int              // offset of MDCAttrTimeStampRel, or -1
	statAt int              // offset of MDCAttrMsmtStat, or -1
	unitAt int              // offset of MDCAttrUnitCode, or -1
	values []planValue      // the values, in map order
}

// The kinds of planValue.
const (
	planBasic     = iota // BasicNuObsValue: an SFLOAT
	planSimple           // SimpleNuObsValue: a FLOAT
	planCmpdBasic        // BasicNuObsValueCmp: count, length, SFLOATs
	planCmpdSimp         // SimpleNuObsValueCmp: count, length, FLOATs
)

// planValue is one value attribute in a fixedPlan.
type planValue struct {
	kind  uint8 // planBasic, …
	at    int   // offset in obs-val-data
	count int   // parts of a compound value
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
		case MDCAttrNuValObsBasic:
			p.values = append(p.values, planValue{kind: planBasic, at: off, count: 1})
		case MDCAttrNuValObsSimp:
			p.values = append(p.values, planValue{kind: planSimple, at: off, count: 1})
		case MDCAttrNuCmpdValObsBasic:
			if n < 4 || (n-4)%2 != 0 {
				return fixedPlan{}
			}
			p.values = append(p.values, planValue{kind: planCmpdBasic, at: off, count: (n - 4) / 2})
		case MDCAttrNuCmpdValObsSimp:
			if n < 4 || (n-4)%4 != 0 {
				return fixedPlan{}
			}
			p.values = append(p.values, planValue{kind: planCmpdSimp, at: off, count: (n - 4) / 4})
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
	for _, v := range p.values {
		p.nobs += v.count
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
// p. It reports false, with dst unchanged in length, when v does not fit the plan or holds
// a malformed value; the caller then decodes v with appendFixedObj.
func appendPlanned(dst []Observation, p *fixedPlan, obj *ConfiguredObject, v []byte, person uint16) ([]Observation, bool) {
	if len(v) != p.size {
		return dst, false
	}
	var tmpl Observation
	if i := p.timeAt; i >= 0 {
		t := v[i : i+8]
		x := uint64(t[0])<<56 | uint64(t[1])<<48 | uint64(t[2])<<40 | uint64(t[3])<<32 |
			uint64(t[4])<<24 | uint64(t[5])<<16 | uint64(t[6])<<8 | uint64(t[7])
		if !bcd8(x) {
			return dst, false
		}
		tmpl.Time = AbsoluteTime(t)
	}
	if i := p.relAt; i >= 0 {
		t := v[i : i+4]
		tmpl.RelTime = RelativeTime(uint32(t[0])<<24 | uint32(t[1])<<16 | uint32(t[2])<<8 | uint32(t[3]))
	}
	if i := p.statAt; i >= 0 {
		t := v[i : i+2]
		tmpl.Status = uint16(t[0])<<8 | uint16(t[1])
	}
	tmpl.Unit = obj.Unit
	if i := p.unitAt; i >= 0 {
		t := v[i : i+2]
		tmpl.Unit = OID(uint16(t[0])<<8 | uint16(t[1]))
	}
	tmpl.Type, tmpl.Handle, tmpl.PersonID = obj.Type, obj.Handle, person
	start := len(dst)
	dst = slices.Grow(dst, p.nobs)[:start+p.nobs]
	out := dst[start:]
	k := 0
	for _, pv := range p.values {
		switch pv.kind {
		case planBasic:
			f := v[pv.at : pv.at+2]
			o := tmpl
			o.Value = SFloat(uint16(f[0])<<8 | uint16(f[1])).Float()
			out[k] = o
			k++
		case planSimple:
			f := v[pv.at : pv.at+4]
			o := tmpl
			o.Value = Float(uint32(f[0])<<24 | uint32(f[1])<<16 | uint32(f[2])<<8 | uint32(f[3]))
			out[k] = o
			k++
		case planCmpdBasic:
			f := v[pv.at : pv.at+4+2*pv.count]
			if int(f[0])<<8|int(f[1]) != pv.count || int(f[2])<<8|int(f[3]) != 2*pv.count {
				return dst[:start], false
			}
			f = f[4:]
			for j := 0; j < pv.count; j++ {
				o := tmpl
				o.Type = component(obj, j)
				o.Value = SFloat(uint16(f[2*j])<<8 | uint16(f[2*j+1])).Float()
				out[k] = o
				k++
			}
		case planCmpdSimp:
			f := v[pv.at : pv.at+4+4*pv.count]
			if int(f[0])<<8|int(f[1]) != pv.count || int(f[2])<<8|int(f[3]) != 4*pv.count {
				return dst[:start], false
			}
			f = f[4:]
			for j := 0; j < pv.count; j++ {
				q := f[4*j : 4*j+4]
				o := tmpl
				o.Type = component(obj, j)
				o.Value = Float(uint32(q[0])<<24 | uint32(q[1])<<16 | uint32(q[2])<<8 | uint32(q[3]))
				out[k] = o
				k++
			}
		}
	}
	return dst, true
}
