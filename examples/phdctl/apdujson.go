package main

import (
	"bytes"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/phdkit/phdkit/ieee11073"
)

// The JSON form of an APDU mirrors the ieee11073 types field by field; see the package
// documentation for the rules. This file converts both ways with reflection.

// jsonObject is a JSON object that keeps its keys in order.
type jsonObject []jsonField

type jsonField struct {
	Key   string
	Value any
}

func (o jsonObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Key)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

var (
	typeAPDU         = reflect.TypeFor[ieee11073.APDU]()
	typeDataAPDU     = reflect.TypeFor[ieee11073.DataAPDU]()
	typeBytes        = reflect.TypeFor[[]byte]()
	textMarshaler    = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshaler  = reflect.TypeFor[encoding.TextUnmarshaler]()
	stringer         = reflect.TypeFor[fmt.Stringer]()
	unionTypes       = map[reflect.Type]bool{reflect.TypeFor[ieee11073.EventInfo](): true, reflect.TypeFor[ieee11073.EventReply](): true, reflect.TypeFor[ieee11073.ActionInvoke](): true, reflect.TypeFor[ieee11073.ActionResponse](): true}
	rawOfUnion       = map[string]string{"Info": "Report", "ReplyInfo": "Reply", "Args": "Invoke"}
	resultRawOfUnion = map[string]string{"Args": "Result"}
	apduAlternatives = map[ieee11073.Choice]string{ieee11073.ChoiceAARQ: "AARQ", ieee11073.ChoiceAARE: "AARE", ieee11073.ChoiceRLRQ: "RLRQ", ieee11073.ChoiceRLRE: "RLRE", ieee11073.ChoiceABRT: "ABRT", ieee11073.ChoicePRST: "PRST"}
	dataAlternatives = map[ieee11073.MessageChoice]string{
		ieee11073.MessageROIVEventReport: "EventReport", ieee11073.MessageROIVConfirmedEventReport: "EventReport",
		ieee11073.MessageROIVGet: "Get", ieee11073.MessageROIVSet: "Set", ieee11073.MessageROIVConfirmedSet: "Set",
		ieee11073.MessageROIVAction: "Action", ieee11073.MessageROIVConfirmedAction: "Action",
		ieee11073.MessageRORSConfirmedEventReport: "EventReportResult", ieee11073.MessageRORSGet: "GetResult",
		ieee11073.MessageRORSConfirmedSet: "SetResult", ieee11073.MessageRORSConfirmedAction: "ActionResult",
		ieee11073.MessageROER: "Error", ieee11073.MessageRORJ: "Reject",
	}
	optionalRaw  = map[string]bool{"Info": true, "ReplyInfo": true, "Args": true, "Parameter": true}
	fallbackName = regexp.MustCompile(`^[A-Za-z]+\(-?[0-9]+\)$`)
)

// apduToJSON returns the JSON form of a decoded APDU.
func apduToJSON(a *ieee11073.APDU) any { return toJSON(reflect.ValueOf(a).Elem()) }

func toJSON(v reflect.Value) any {
	t := v.Type()
	switch {
	case t == typeBytes:
		return hex.EncodeToString(v.Bytes())
	case t.Implements(textMarshaler) && reflect.PointerTo(t).Implements(textUnmarshaler):
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return err.Error()
		}
		return string(b)
	}
	switch t.Kind() {
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int, reflect.Uint:
		if t.Implements(stringer) {
			if s, ok := safeString(v); ok && !fallbackName.MatchString(s) && !numeric(s) {
				return s
			}
		}
		if v.CanInt() {
			return v.Int()
		}
		return v.Uint()
	case reflect.Slice:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = toJSON(v.Index(i))
		}
		return out
	case reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = toJSON(v.Index(i))
		}
		return out
	case reflect.Struct:
		return structToJSON(v)
	}
	return v.Interface()
}

// safeString calls v's String method, reporting false if it panics (a value outside the
// table of names of its type).
func safeString(v reflect.Value) (s string, ok bool) {
	defer func() {
		if recover() != nil {
			s, ok = "", false
		}
	}()
	return v.Interface().(fmt.Stringer).String(), true
}

func numeric(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func structToJSON(v reflect.Value) jsonObject {
	t := v.Type()
	var obj jsonObject
	switch t {
	case typeAPDU:
		c := ieee11073.Choice(v.FieldByName("Choice").Uint())
		obj = append(obj, jsonField{"Choice", toJSON(v.FieldByName("Choice"))})
		if name, ok := apduAlternatives[c]; ok {
			obj = append(obj, jsonField{name, toJSON(v.FieldByName(name))})
		}
		return obj
	case typeDataAPDU:
		m := ieee11073.MessageChoice(v.FieldByName("Choice").Uint())
		obj = append(obj, jsonField{"InvokeID", toJSON(v.FieldByName("InvokeID"))})
		obj = append(obj, jsonField{"Choice", toJSON(v.FieldByName("Choice"))})
		if name, ok := dataAlternatives[m]; ok {
			obj = append(obj, jsonField{name, toJSON(v.FieldByName(name))})
		}
		return obj
	}
	union := unionTypes[t]
	for i := range t.NumField() {
		f := t.Field(i)
		fv := v.Field(i)
		if !f.IsExported() {
			continue
		}
		if union && fv.IsZero() {
			continue // only the alternative the event or action type selects is set
		}
		if unionTypes[f.Type] && fv.IsZero() {
			continue
		}
		if f.Type == typeBytes && fv.Len() == 0 && optionalRaw[f.Name] {
			continue
		}
		if u, ok := rawSibling(t, f.Name); ok {
			if !v.FieldByName(u).IsZero() {
				continue // the decoded form is shown; the raw octets would repeat it
			}
		}
		obj = append(obj, jsonField{f.Name, toJSON(fv)})
	}
	return obj
}

// rawSibling returns, for a raw-octets field, the decoded union next to it.
func rawSibling(t reflect.Type, field string) (string, bool) {
	u, ok := rawOfUnion[field]
	if !ok {
		return "", false
	}
	if _, has := t.FieldByName(u); has {
		return u, true
	}
	if u, ok = resultRawOfUnion[field]; ok {
		if _, has := t.FieldByName(u); has {
			return u, true
		}
	}
	return "", false
}

// apduFromJSON fills a from its JSON form.
func apduFromJSON(data []byte, a *ieee11073.APDU) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return err
	}
	return fromJSON(v, reflect.ValueOf(a).Elem(), "APDU")
}

func fromJSON(j any, v reflect.Value, path string) error {
	t := v.Type()
	if j == nil {
		v.SetZero()
		return nil
	}
	switch {
	case t == typeBytes:
		s, ok := j.(string)
		if !ok {
			return fmt.Errorf("%s: want a hex string, got %T", path, j)
		}
		b, err := hex.DecodeString(strings.NewReplacer(" ", "", ":", "").Replace(s))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		v.SetBytes(b)
		return nil
	case reflect.PointerTo(t).Implements(textUnmarshaler) && t.Implements(textMarshaler):
		s, ok := j.(string)
		if !ok {
			if n, isNum := j.(json.Number); isNum {
				s = n.String()
			} else {
				return fmt.Errorf("%s: want a string, got %T", path, j)
			}
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint:
		n, err := integer(j, t, path)
		if err != nil {
			return err
		}
		if n < 0 || v.OverflowUint(uint64(n)) {
			return fmt.Errorf("%s: %d out of range for %v", path, n, t)
		}
		v.SetUint(uint64(n))
		return nil
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int:
		n, err := integer(j, t, path)
		if err != nil {
			return err
		}
		if v.OverflowInt(n) {
			return fmt.Errorf("%s: %d out of range for %v", path, n, t)
		}
		v.SetInt(n)
		return nil
	case reflect.Slice, reflect.Array:
		arr, ok := j.([]any)
		if !ok {
			return fmt.Errorf("%s: want an array, got %T", path, j)
		}
		if t.Kind() == reflect.Array {
			if len(arr) != v.Len() {
				return fmt.Errorf("%s: want %d elements, got %d", path, v.Len(), len(arr))
			}
		} else {
			v.Set(reflect.MakeSlice(t, len(arr), len(arr)))
		}
		for i := range arr {
			if err := fromJSON(arr[i], v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Struct:
		obj, ok := j.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %T", path, j)
		}
		v.SetZero()
		for k, fj := range obj {
			f, ok := t.FieldByName(k)
			if !ok || !f.IsExported() {
				return fmt.Errorf("%s: unknown field %q", path, k)
			}
			if err := fromJSON(fj, v.FieldByIndex(f.Index), path+"."+k); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%s: unsupported type %v", path, t)
}

// integer reads a JSON number, or the name an enumerated type prints for its value.
func integer(j any, t reflect.Type, path string) (int64, error) {
	switch x := j.(type) {
	case json.Number:
		n, err := strconv.ParseInt(x.String(), 0, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
		return n, nil
	case string:
		if n, err := strconv.ParseInt(x, 0, 64); err == nil {
			return n, nil
		}
		if n, ok := enumValue(t, x); ok {
			return n, nil
		}
		return 0, fmt.Errorf("%s: %q is not a name of %v", path, x, t)
	}
	return 0, fmt.Errorf("%s: want a number, got %T", path, j)
}

var (
	enumMu    sync.Mutex
	enumNames = map[reflect.Type]map[string]int64{}
)

// enumValue maps a name back to the value of an enumerated type whose String prints it;
// it learns a type's names on first use by printing every 16-bit value.
func enumValue(t reflect.Type, name string) (int64, bool) {
	if !t.Implements(stringer) || t.Size() > 2 {
		return 0, false
	}
	enumMu.Lock()
	defer enumMu.Unlock()
	names, ok := enumNames[t]
	if !ok {
		names = map[string]int64{}
		v := reflect.New(t).Elem()
		for n := int64(0); n < 1<<(8*t.Size()); n++ {
			if v.CanInt() {
				v.SetInt(n)
			} else {
				v.SetUint(uint64(n))
			}
			s, ok := safeString(v)
			if _, dup := names[s]; ok && !dup && !fallbackName.MatchString(s) {
				names[s] = n
			}
		}
		enumNames[t] = names
	}
	n, ok := names[name]
	return n, ok
}
