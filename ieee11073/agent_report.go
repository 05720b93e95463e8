package ieee11073

import (
	"context"
)

// SendObservations reports obs in one fixed-format scan report (MDCNotiScanReportFixed,
// 20601 clause A.11.5), each object's values laid out by the attribute value map of the
// agent's configuration. The observations of one object must be consecutive and, for a
// compound object, in the order of its parts; Handle, Value, Time, RelTime, Status, Enum
// and Bits are used as the map asks. Confirmed and errors as for SendReport, plus those of
// FixedScanReport.
func (a *Agent) SendObservations(ctx context.Context, obs []Observation, confirmed bool) error {
	ev := &EventReportArgument{ObjHandle: 0, EventTime: 0xFFFFFFFF, EventType: MDCNotiScanReportFixed}
	if err := FixedScanReport(a.cfg.Config, obs, &ev.Report.ScanFixed); err != nil {
		return err
	}
	return a.SendReport(ctx, ev, confirmed)
}

// FixedScanReport fills s with obs laid out by the attribute value maps of cfg, as
// Agent.SendObservations sends them, with Configuration.AppendObsValue for each object; it
// is the inverse of Configuration.Observations for fixed-format reports. The observations
// of one object must be consecutive. The report's DataReqID is DataReqIDAgentInitiated;
// ScanReportNo is left as it was; the value slices are new. It fails as AppendObsValue does:
// ErrUnknownHandle, or an error wrapping ErrValue or ErrFloatRange when the observations do
// not fit an object's map.
func FixedScanReport(cfg *Configuration, obs []Observation, s *ScanReportInfoFixed) error {
	s.DataReqID = DataReqIDAgentInitiated
	s.Observations = s.Observations[:0]
	for i := 0; i < len(obs); {
		h := obs[i].Handle
		j := i + 1
		for j < len(obs) && obs[j].Handle == h {
			j++
		}
		v, err := cfg.AppendObsValue(nil, h, obs[i:j])
		if err != nil {
			return err
		}
		s.Observations = append(s.Observations, ObservationScanFixed{ObjHandle: h, Value: v})
		i = j
	}
	return nil
}
