package golearnsvm

import (
	"errors"
	"fmt"
	"math"

	"github.com/phdkit/phdkit/svm"
	"github.com/sjwhitworth/golearn/base"
)

// Errors about the shape of golearn data.
var (
	// ErrClassAttribute reports a grid without exactly one usable class attribute.
	ErrClassAttribute = errors.New("golearnsvm: need exactly one categorical or integral float class attribute")
	// ErrFeature reports a feature attribute that is not a float attribute, or one the
	// model needs that the grid lacks.
	ErrFeature = errors.New("golearnsvm: bad feature attribute")
	// ErrNotFitted reports Predict or Save before Fit or Load.
	ErrNotFitted = errors.New("golearnsvm: classifier is not fitted")
)

// Name and version written in golearn's classifier metadata.
const (
	ClassifierName    = "phdkit-svm"
	ClassifierVersion = "1"
)

// Classifier is an SVM behind golearn's base.Classifier interface. Its zero value
// trains a linear SVM with a zero svm.LinearConfig.
type Classifier struct {
	// Kernel selects the kernel SVM (svm.TrainKernel with KernelConfig) instead of the
	// linear one (svm.TrainLinear with LinearConfig).
	Kernel       bool
	LinearConfig svm.LinearConfig
	KernelConfig svm.KernelConfig

	model    svm.Model
	features []string       // feature attribute names, in model order
	classes  map[int]string // model label -> class value as golearn prints it
}

var _ base.Classifier = (*Classifier)(nil)

// Model returns the trained model, or nil before Fit or Load.
func (c *Classifier) Model() svm.Model { return c.model }

// Features returns the names of the feature attributes the classifier was fitted on,
// in the order of the fitted grid's attributes (the model's feature order), or nil
// before Fit or Load.
func (c *Classifier) Features() []string { return c.features }

// String describes the classifier.
func (c *Classifier) String() string {
	kind := "linear"
	if c.Kernel {
		kind = "kernel " + c.KernelConfig.Kernel.String()
	}
	state := "not fitted"
	if c.model != nil {
		state = fmt.Sprintf("%d features, %d classes", c.model.NumFeatures(), len(c.model.Classes()))
	}
	return fmt.Sprintf("golearnsvm.Classifier(%s, %s)", kind, state)
}

// floatRows reads the named float attributes of every row of g.
func floatRows(g base.FixedDataGrid, attrs []base.Attribute) ([][]float64, error) {
	specs := make([]base.AttributeSpec, len(attrs))
	for i, a := range attrs {
		s, err := g.GetAttribute(a)
		if err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrFeature, a.GetName(), err)
		}
		specs[i] = s
	}
	_, n := g.Size()
	x := make([][]float64, n)
	flat := make([]float64, n*len(attrs))
	err := g.MapOverRows(specs, func(row [][]byte, i int) (bool, error) {
		if i < 0 || i >= n {
			return false, fmt.Errorf("%w: row %d of %d", svm.ErrDimension, i, n)
		}
		r := flat[i*len(attrs) : (i+1)*len(attrs)]
		for j, b := range row {
			if len(b) != 8 {
				return false, fmt.Errorf("%w: %q: %d-byte value in row %d", ErrFeature, attrs[j].GetName(), len(b), i)
			}
			r[j] = base.UnpackBytesToFloat(b)
		}
		x[i] = r
		return true, nil
	})
	return x, err
}

// Fit trains the classifier on every row of g.
func (c *Classifier) Fit(g base.FixedDataGrid) error {
	ca := g.AllClassAttributes()
	if len(ca) != 1 {
		return fmt.Errorf("%w: grid has %d class attributes", ErrClassAttribute, len(ca))
	}
	cls := ca[0]
	var feats []base.Attribute
	var names []string
	for _, a := range g.AllAttributes() { // grid order, unlike base.NonClassAttributes
		if a.Equals(cls) {
			continue
		}
		if _, ok := a.(*base.FloatAttribute); !ok {
			return fmt.Errorf("%w: %q is %T, want *base.FloatAttribute", ErrFeature, a.GetName(), a)
		}
		feats = append(feats, a)
		names = append(names, a.GetName())
	}
	if len(feats) == 0 {
		return fmt.Errorf("%w: no feature attributes", ErrFeature)
	}
	x, err := floatRows(g, feats)
	if err != nil {
		return err
	}
	spec, err := g.GetAttribute(cls)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrClassAttribute, err)
	}
	y := make([]int, len(x))
	classes := map[int]string{}
	switch a := cls.(type) {
	case *base.CategoricalAttribute:
		nv := len(a.GetValues())
		err = g.MapOverRows([]base.AttributeSpec{spec}, func(row [][]byte, i int) (bool, error) {
			v := base.UnpackBytesToU64(row[0])
			if v >= uint64(nv) {
				return false, fmt.Errorf("%w: row %d: category %d of %d", ErrClassAttribute, i, v, nv)
			}
			y[i] = int(v)
			classes[int(v)] = a.GetStringFromSysVal(row[0])
			return true, nil
		})
	case *base.FloatAttribute:
		err = g.MapOverRows([]base.AttributeSpec{spec}, func(row [][]byte, i int) (bool, error) {
			v := base.UnpackBytesToFloat(row[0])
			if v != math.Trunc(v) || math.Abs(v) > 1<<52 {
				return false, fmt.Errorf("%w: row %d: class value %v is not an integer", ErrClassAttribute, i, v)
			}
			y[i] = int(v)
			classes[int(v)] = a.GetStringFromSysVal(row[0])
			return true, nil
		})
	default:
		return fmt.Errorf("%w: %q is %T", ErrClassAttribute, cls.GetName(), cls)
	}
	if err != nil {
		return err
	}
	var m svm.Model
	if c.Kernel {
		m, err = svm.TrainKernel(x, y, c.KernelConfig)
	} else {
		m, err = svm.TrainLinear(x, y, c.LinearConfig)
	}
	if err != nil {
		return err
	}
	c.model, c.features, c.classes = m, names, classes
	return nil
}

// Predict labels every row of g and returns a grid holding only g's class attribute,
// filled with the predictions. g needs the feature attributes the classifier was
// fitted on (found by name) and one class attribute.
func (c *Classifier) Predict(g base.FixedDataGrid) (base.FixedDataGrid, error) {
	if c.model == nil {
		return nil, ErrNotFitted
	}
	if ca := g.AllClassAttributes(); len(ca) != 1 {
		return nil, fmt.Errorf("%w: grid has %d class attributes", ErrClassAttribute, len(ca))
	}
	feats := make([]base.Attribute, len(c.features))
	for i, name := range c.features {
		a := base.GetAttributeByName(g, name)
		if a == nil {
			return nil, fmt.Errorf("%w: grid has no attribute %q", ErrFeature, name)
		}
		if _, ok := a.(*base.FloatAttribute); !ok {
			return nil, fmt.Errorf("%w: %q is %T, want *base.FloatAttribute", ErrFeature, name, a)
		}
		feats[i] = a
	}
	x, err := floatRows(g, feats)
	if err != nil {
		return nil, err
	}
	labels := make([]int, len(x))
	for i, r := range x {
		if labels[i], err = c.model.Predict(r); err != nil {
			var ie *svm.InputError
			if errors.As(err, &ie) {
				ie.Row = i
			}
			return nil, err
		}
	}
	out := base.GeneratePredictionVector(g)
	for i, l := range labels {
		base.SetClass(out, i, c.classes[l])
	}
	return out, nil
}

// GetMetadata returns golearn's metadata for this classifier.
func (c *Classifier) GetMetadata() base.ClassifierMetadataV1 {
	return base.ClassifierMetadataV1{
		FormatVersion:      1,
		ClassifierName:     ClassifierName,
		ClassifierVersion:  ClassifierVersion,
		ClassifierMetadata: map[string]interface{}{"kernel": c.Kernel},
	}
}

// Save writes the fitted classifier to a golearn classifier file at path.
func (c *Classifier) Save(path string) error {
	if c.model == nil {
		return ErrNotFitted
	}
	s, err := base.CreateSerializedClassifierStub(path, c.GetMetadata())
	if err != nil {
		return fmt.Errorf("golearnsvm: save %s: %w", path, err)
	}
	if err := c.SaveWithPrefix(s, ""); err != nil {
		s.Close()
		return err
	}
	return s.Close()
}

// Load reads a classifier written by Save.
func (c *Classifier) Load(path string) error {
	d, err := base.ReadSerializedClassifierStub(path)
	if err != nil {
		return fmt.Errorf("golearnsvm: load %s: %w", path, err)
	}
	defer d.Close()
	return c.LoadWithPrefix(d, "")
}

type saved struct {
	Features []string       `json:"features"`
	Classes  map[int]string `json:"classes"`
	Kernel   bool           `json:"kernel"`
}

// SaveWithPrefix writes the classifier under prefix: the model in the svm model format
// and a JSON entry naming the features and classes.
func (c *Classifier) SaveWithPrefix(s *base.ClassifierSerializer, prefix string) error {
	if c.model == nil {
		return ErrNotFitted
	}
	b, err := c.model.AppendBinary(nil)
	if err != nil {
		return err
	}
	if err := s.WriteMetadataAtPrefix(prefix, c.GetMetadata()); err != nil {
		return fmt.Errorf("golearnsvm: %w", err)
	}
	if err := s.WriteBytesForKey(s.Prefix(prefix, "MODEL"), b); err != nil {
		return fmt.Errorf("golearnsvm: %w", err)
	}
	if err := s.WriteJSONForKey(s.Prefix(prefix, "SCHEMA"), saved{c.features, c.classes, c.Kernel}); err != nil {
		return fmt.Errorf("golearnsvm: %w", err)
	}
	return nil
}

// LoadWithPrefix reads a classifier written by SaveWithPrefix with the same prefix.
func (c *Classifier) LoadWithPrefix(d *base.ClassifierDeserializer, prefix string) error {
	md, err := d.ReadMetadataAtPrefix(prefix)
	if err != nil {
		return fmt.Errorf("golearnsvm: %w", err)
	}
	if md.ClassifierName != ClassifierName {
		return fmt.Errorf("%w: file holds classifier %q, want %q", svm.ErrFormat, md.ClassifierName, ClassifierName)
	}
	b, err := d.GetBytesForKey(d.Prefix(prefix, "MODEL"))
	if err != nil {
		return fmt.Errorf("golearnsvm: %w", err)
	}
	m, err := svm.LoadModel(b)
	if err != nil {
		return err
	}
	var sv saved
	if err := d.GetJSONForKey(d.Prefix(prefix, "SCHEMA"), &sv); err != nil {
		return fmt.Errorf("golearnsvm: %w", err)
	}
	if len(sv.Features) != m.NumFeatures() {
		return fmt.Errorf("%w: %d feature names for a model of %d features", svm.ErrFormat, len(sv.Features), m.NumFeatures())
	}
	for _, l := range m.Classes() {
		if _, ok := sv.Classes[l]; !ok {
			return fmt.Errorf("%w: no class name for label %d", svm.ErrFormat, l)
		}
	}
	c.model, c.features, c.classes, c.Kernel = m, sv.Features, sv.Classes, sv.Kernel
	return nil
}
