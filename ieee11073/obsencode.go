package ieee11073

import (
	"fmt"

	"github.com/phdkit/phdkit/ieee11073/internal/mder"
)

// AppendObsValue is the agent's side of Observations: it appends to b the obs-val-data of
// object h for a fixed-format scan report, laid out by the object's attribute value map,
// from the observations obs of that object (one per value; a compound value takes as many
// as it has parts). Time stamps, status and a unit code in the map are taken from obs[0].
// It fails with ErrUnknownHandle when c has no object h, and with an error wrapping
// ErrValue or ErrFloatRange when obs does not fit the map.
func (c *Configuration) AppendObsValue(b []byte, h Handle, obs []Observation) ([]byte, error) {
	obj := c.Object(h)
	if obj == nil {
		return b, fmt.Errorf("%w %d", ErrUnknownHandle, h)
	}
	if len(obs) == 0 {
		return b, fmt.Errorf("%w: no observation for object %d", ErrValue, h)
	}
	first := &obs[0]
	next := 0
	take := func(n int) ([]Observation, error) {
		if n > len(obs)-next {
			return nil, fmt.Errorf("%w: object %d needs more than %d observations", ErrValue, h, len(obs))
		}
		o := obs[next : next+n]
		next += n
		return o, nil
	}
	for _, e := range obj.ValMap {
		start := len(b)
		switch e.ID {
		case MDCAttrNuValObsBasic:
			o, err := take(1)
			if err != nil {
				return b, err
			}
			s, err := o[0].Value.SFloat()
			if err != nil {
				return b, fmt.Errorf("object %d: %w", h, err)
			}
			b = mder.AppendU16(b, uint16(s))
		case MDCAttrNuValObsSimp:
			o, err := take(1)
			if err != nil {
				return b, err
			}
			b = mder.AppendU32(b, uint32(o[0].Value))
		case MDCAttrNuValObs:
			o, err := take(1)
			if err != nil {
				return b, err
			}
			v := NuObsValue{MetricID: o[0].Type.Code, State: o[0].Status, Unit: o[0].Unit, Value: o[0].Value}
			b, _ = v.AppendBinary(b)
		case MDCAttrNuCmpdValObsBasic, MDCAttrNuCmpdValObsSimp, MDCAttrNuCmpdValObs:
			w := 2
			if e.ID == MDCAttrNuCmpdValObsSimp {
				w = 4
			} else if e.ID == MDCAttrNuCmpdValObs {
				w = 10
			}
			n := (int(e.Len) - 4) / w
			if n < 0 || 4+n*w != int(e.Len) {
				return b, fmt.Errorf("%w: object %d: compound value of %d bytes", ErrValue, h, e.Len)
			}
			o, err := take(n)
			if err != nil {
				return b, err
			}
			b = mder.AppendU16(b, uint16(n))
			b = mder.AppendU16(b, uint16(n*w))
			for i := range o {
				switch w {
				case 2:
					s, err := o[i].Value.SFloat()
					if err != nil {
						return b, fmt.Errorf("object %d: %w", h, err)
					}
					b = mder.AppendU16(b, uint16(s))
				case 4:
					b = mder.AppendU32(b, uint32(o[i].Value))
				default:
					v := NuObsValue{MetricID: o[i].Type.Code, State: o[i].Status, Unit: o[i].Unit, Value: o[i].Value}
					b, _ = v.AppendBinary(b)
				}
			}
		case MDCAttrEnumObsValSimpOID:
			o, err := take(1)
			if err != nil {
				return b, err
			}
			b = mder.AppendU16(b, uint16(o[0].Enum))
		case MDCAttrEnumObsValSimpBitStr:
			o, err := take(1)
			if err != nil {
				return b, err
			}
			b = mder.AppendU32(b, o[0].Bits)
		case MDCAttrEnumObsValBasicBitStr:
			o, err := take(1)
			if err != nil {
				return b, err
			}
			b = mder.AppendU16(b, uint16(o[0].Bits))
		case MDCAttrTimeStampAbs:
			b = first.Time.appendTo(b)
		case MDCAttrTimeStampRel:
			b = mder.AppendU32(b, uint32(first.RelTime))
		case MDCAttrMsmtStat:
			b = mder.AppendU16(b, first.Status)
		case MDCAttrUnitCode:
			b = mder.AppendU16(b, uint16(first.Unit))
		default:
			return b, fmt.Errorf("%w: object %d: attribute %d in the value map cannot be encoded", ErrValue, h, e.ID)
		}
		if len(b)-start != int(e.Len) {
			return b, fmt.Errorf("%w: object %d: attribute %d takes %d bytes, the map says %d", ErrValue, h, e.ID, len(b)-start, e.Len)
		}
	}
	if next != len(obs) {
		return b, fmt.Errorf("%w: object %d: %d observations left over", ErrValue, h, len(obs)-next)
	}
	return b, nil
}
