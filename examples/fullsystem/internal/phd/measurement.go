package phd

import (
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/phdkit/phdkit/bmsig"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/store"
	"github.com/phdkit/phdkit/ieee11073"
)

// StoreType returns the store's PHD type of devices of kind k.
func StoreType(k Kind) store.PHDType {
	switch k {
	case KindBP:
		return store.TypeBP
	case KindThermo:
		return store.TypeThermo
	case KindScale:
		return store.TypeScale
	case KindGlucose:
		return store.TypeGlucose
	case KindOximeter:
		return store.TypeOximeter
	case KindWrist:
		return store.TypeWrist
	}
	return store.TypeOther
}

// Measurement returns the stored form of a verified sealed report: h is its bmsig header,
// sealed the whole sealed message (its SHA-256 is the record digest), obs its decoded
// observations. It also returns the values, for the analytics.
func Measurement(h bmsig.Header, origin [8]byte, id ieee11073.ConfigID, received time.Time, sealed []byte, obs []ieee11073.Observation) (*store.Measurement, []Value, error) {
	kind, ok := KindOf(id)
	if !ok {
		return nil, nil, fmt.Errorf("%w: unknown configuration %#04x", ErrReport, uint16(id))
	}
	m := &store.Measurement{
		User: h.User, SystemID: origin, ConfigID: uint16(id), Type: StoreType(kind),
		Model: "phdkit-sim-" + kind.String(), Seq: h.Seq, Measured: h.Time, Received: received,
		Digest: sha256.Sum256(sealed),
	}
	values := make([]Value, 0, len(obs))
	for i := range obs {
		v, err := ValueOf(&obs[i])
		if err != nil {
			return nil, nil, err
		}
		at := v.Time
		if at.IsZero() {
			at = h.Time
		}
		o, err := store.NewObservation(v.Metric, v.Unit, v.Text, at)
		if err != nil {
			return nil, nil, err
		}
		m.Observations = append(m.Observations, o)
		values = append(values, v)
	}
	return m, values, nil
}
