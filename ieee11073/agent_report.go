package ieee11073

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrObservationLayout means observations do not fit the attribute value map of their
// object: a missing object, a missing or extra value, or a value the map cannot carry.
var ErrObservationLayout = errors.New("ieee11073: observations do not fit the configuration")

// SendObservations reports obs in one fixed-format scan report (MDCNotiScanReportFixed,
// 20601 clause A.11.5), each object's values laid out by the attribute value map of the
// agent's configuration. The observations of one object must be consecutive and, for a
// compound object, in the order of its parts; Handle, Value, Time, RelTime, Status, Enum
// and Bits are used as the map asks. Confirmed and errors as for SendReport, plus
// ErrObservationLayout.
func (a *Agent) SendObservations(ctx context.Context, obs []Observation, confirmed bool) error {
	ev := &EventReportArgument{ObjHandle: 0, EventTime: 0xFFFFFFFF, EventType: MDCNotiScanReportFixed}
	if err := FixedScanReport(a.cfg.Config, obs, &ev.Report.ScanFixed); err != nil {
		return err
	}
	return a.SendReport(ctx, ev, confirmed)
}

// FixedScanReport fills s with obs laid out by the attribute value maps of cfg, as
// Agent.SendObservations sends them; it is the inverse of Configuration.Observations for
// fixed-format reports. The report's DataReqID is DataReqIDAgentInitiated; ScanReportNo is
// left as it was. The value slices are new.
func FixedScanReport(cfg *Configuration, obs []Observation, s *ScanReportInfoFixed) error {
	s.DataReqID = DataReqIDAgentInitiated
	s.Observations = s.Observations[:0]
	for i := 0; i < len(obs); {
		h := obs[i].Handle
		j := i + 1
		for j < len(obs) && obs[j].Handle == h {
			j++
		}
		obj := cfg.Object(h)
		if obj == nil {
			return fmt.Errorf("%w: configuration %#04x has no object %d", ErrObservationLayout, uint16(cfg.ID), h)
		}
		v, err := appendFixedValues(nil, obj, obs[i:j])
		if err != nil {
			return err
		}
		s.Observations = append(s.Observations, ObservationScanFixed{ObjHandle: h, Value: v})
		i = j
	}
	return nil
}

// appendFixedValues encodes the observations of one object by its attribute value map.
func appendFixedValues(b []byte, obj *ConfiguredObject, obs []Observation) ([]byte, error) {
	layout := func(format string, args ...any) error {
		return fmt.Errorf("%w: object %d: %s", ErrObservationLayout, obj.Handle, fmt.Sprintf(format, args...))
	}
	next := 0 // the next observation to take a value from
	take := func() (*Observation, error) {
		if next >= len(obs) {
			return nil, layout("%d observations, the value map wants more", len(obs))
		}
		next++
		return &obs[next-1], nil
	}
	first := &obs[0]
	for _, e := range obj.ValMap {
		start := len(b)
		switch e.ID {
		case MDCAttrNuValObsBasic:
			o, err := take()
			if err != nil {
				return nil, err
			}
			sf, err := o.Value.SFloat()
			if err != nil {
				return nil, layout("value %v does not fit an SFLOAT: %v", o.Value, err)
			}
			b = binary.BigEndian.AppendUint16(b, uint16(sf))
		case MDCAttrNuValObsSimp:
			o, err := take()
			if err != nil {
				return nil, err
			}
			b = binary.BigEndian.AppendUint32(b, uint32(o.Value))
		case MDCAttrNuValObs:
			o, err := take()
			if err != nil {
				return nil, err
			}
			b = binary.BigEndian.AppendUint16(b, uint16(o.Type.Code))
			b = binary.BigEndian.AppendUint16(b, o.Status)
			b = binary.BigEndian.AppendUint16(b, uint16(o.Unit))
			b = binary.BigEndian.AppendUint32(b, uint32(o.Value))
		case MDCAttrNuCmpdValObsBasic, MDCAttrNuCmpdValObsSimp, MDCAttrNuCmpdValObs:
			size := map[OID]int{MDCAttrNuCmpdValObsBasic: 2, MDCAttrNuCmpdValObsSimp: 4, MDCAttrNuCmpdValObs: 10}[e.ID]
			n := (int(e.Len) - 4) / size
			if n < 0 || 4+n*size != int(e.Len) {
				return nil, layout("compound value of %d octets", e.Len)
			}
			b = binary.BigEndian.AppendUint16(b, uint16(n))
			b = binary.BigEndian.AppendUint16(b, uint16(n*size))
			for range n {
				o, err := take()
				if err != nil {
					return nil, err
				}
				switch e.ID {
				case MDCAttrNuCmpdValObsBasic:
					sf, err := o.Value.SFloat()
					if err != nil {
						return nil, layout("value %v does not fit an SFLOAT: %v", o.Value, err)
					}
					b = binary.BigEndian.AppendUint16(b, uint16(sf))
				case MDCAttrNuCmpdValObsSimp:
					b = binary.BigEndian.AppendUint32(b, uint32(o.Value))
				default:
					b = binary.BigEndian.AppendUint16(b, uint16(o.Type.Code))
					b = binary.BigEndian.AppendUint16(b, o.Status)
					b = binary.BigEndian.AppendUint16(b, uint16(o.Unit))
					b = binary.BigEndian.AppendUint32(b, uint32(o.Value))
				}
			}
		case MDCAttrEnumObsValSimpOID:
			o, err := take()
			if err != nil {
				return nil, err
			}
			b = binary.BigEndian.AppendUint16(b, uint16(o.Enum))
		case MDCAttrEnumObsValSimpBitStr:
			o, err := take()
			if err != nil {
				return nil, err
			}
			b = binary.BigEndian.AppendUint32(b, o.Bits)
		case MDCAttrEnumObsValBasicBitStr:
			o, err := take()
			if err != nil {
				return nil, err
			}
			b = binary.BigEndian.AppendUint16(b, uint16(o.Bits))
		case MDCAttrTimeStampAbs:
			b, _ = first.Time.AppendBinary(b)
		case MDCAttrTimeStampRel:
			b = binary.BigEndian.AppendUint32(b, uint32(first.RelTime))
		case MDCAttrMsmtStat:
			b = binary.BigEndian.AppendUint16(b, first.Status)
		case MDCAttrUnitCode:
			b = binary.BigEndian.AppendUint16(b, uint16(first.Unit))
		default:
			b = append(b, make([]byte, e.Len)...) // an attribute this package does not fill
		}
		if len(b)-start != int(e.Len) {
			return nil, layout("value map entry %v takes %d octets, encoded %d", e.ID, e.Len, len(b)-start)
		}
	}
	if next != len(obs) {
		return nil, layout("%d observations, the value map takes %d", len(obs), next)
	}
	return b, nil
}
