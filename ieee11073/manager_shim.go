package ieee11073

// Temporary stand-ins for the configuration layer; replaced by the codec's configurations.

// Configuration is an agent configuration.
type Configuration struct {
	ID     ConfigID
	Report ConfigReport
}

// Observation is one decoded measurement.
type Observation struct {
	Handle Handle
	Type   OID
	Value  float64
	Unit   OID
}

// StandardConfigReport returns the configuration report of a standard configuration.
func StandardConfigReport(id ConfigID) *ConfigReport {
	switch id {
	case 0x0190, 0x0191, 0x02BC, 0x0320, 0x05DC, 0x06A4:
		return &ConfigReport{ConfigReportID: id}
	}
	return nil
}

func (m *Manager) lookupConfig(system [8]byte, id ConfigID) *Configuration {
	if r := StandardConfigReport(id); r != nil {
		return &Configuration{ID: id, Report: *r}
	}
	if v, ok := m.known.Load(knownConfigKey{system, id}); ok {
		return v.(*Configuration)
	}
	return nil
}

func configurationFromReport(r *ConfigReport) (*Configuration, error) {
	return &Configuration{ID: r.ConfigReportID, Report: *r}, nil
}

func decodeObservations(cfg *Configuration, ev *EventReportArgument, out []Observation) ([]Observation, error) {
	return out, nil
}
