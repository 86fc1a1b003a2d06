//! Writing a value with every `$` in its string values doubled, straight into any serde
//! serializer, without building a `serde_json::Value` first.
//!
//! [`Escaped`] hands the serializer exactly what serializing the value's `serde_json::Value`
//! (and then [`crate::escape_dollars`]) would: newtype structs are transparent, enum variants
//! with data become one-entry maps, units are null, and only values are escaped (map keys and
//! field names are written as they are). `config` printing 1,000 services took half as long
//! this way (benches/load.rs).

use serde::ser::{self, Serialize, Serializer};

/// `value`, serialized with `$` written `$$` in every string value.
pub struct Escaped<'a, T: ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> Serialize for Escaped<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(Dollars(serializer))
    }
}

/// A serializer that escapes the strings passed to the one it wraps.
struct Dollars<S>(S);

/// A map key: written as it is.
struct Key<'a, T: ?Sized>(&'a T);

impl<T: Serialize + ?Sized> Serialize for Key<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// A single-entry map `{variant: value}`, as serde_json writes a variant with data (`value`
/// is written as it is: wrap it in [`Escaped`] first where it needs escaping).
struct Variant<'a, T: ?Sized> {
    name: &'static str,
    value: &'a T,
}

impl<T: Serialize + ?Sized> Serialize for Variant<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.name, self.value)?;
        map.end()
    }
}

impl<S: Serializer> Serializer for Dollars<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Compound<S::SerializeSeq>;
    type SerializeTuple = Compound<S::SerializeSeq>;
    type SerializeTupleStruct = Compound<S::SerializeSeq>;
    type SerializeTupleVariant = VariantSeq<S>;
    type SerializeMap = Compound<S::SerializeMap>;
    type SerializeStruct = Compound<S::SerializeMap>;
    type SerializeStructVariant = VariantMap<S>;

    fn serialize_bool(self, v: bool) -> Result<S::Ok, S::Error> {
        self.0.serialize_bool(v)
    }
    fn serialize_i8(self, v: i8) -> Result<S::Ok, S::Error> {
        self.0.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<S::Ok, S::Error> {
        self.0.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<S::Ok, S::Error> {
        self.0.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<S::Ok, S::Error> {
        self.0.serialize_i64(v)
    }
    fn serialize_u8(self, v: u8) -> Result<S::Ok, S::Error> {
        self.0.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<S::Ok, S::Error> {
        self.0.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<S::Ok, S::Error> {
        self.0.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<S::Ok, S::Error> {
        self.0.serialize_u64(v)
    }
    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        // serde_json has no NaN or infinity: they are null there.
        if v.is_finite() { self.0.serialize_f64(v) } else { self.0.serialize_unit() }
    }
    fn serialize_char(self, v: char) -> Result<S::Ok, S::Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        if v.contains('$') { self.0.serialize_str(&v.replace('$', "$$")) } else { self.0.serialize_str(v) }
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<S::Ok, S::Error> {
        self.0.collect_seq(v)
    }
    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        Variant { name: variant, value: &Escaped(value) }.serialize(self.0)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(Compound)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_seq(Some(len)).map(Compound)
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_seq(Some(len)).map(Compound)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Ok(VariantSeq { serializer: self.0, variant, items: Vec::with_capacity(len) })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(Compound)
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_map(Some(len)).map(Compound)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Ok(VariantMap { serializer: self.0, variant, fields: Vec::with_capacity(len) })
    }
}

/// A sequence or map of the wrapped serializer, its elements escaped.
struct Compound<C>(C);

impl<C: ser::SerializeSeq> ser::SerializeSeq for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_element(&Escaped(value))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: ser::SerializeSeq> ser::SerializeTuple for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_element(&Escaped(value))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: ser::SerializeSeq> ser::SerializeTupleStruct for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_element(&Escaped(value))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: ser::SerializeMap> ser::SerializeMap for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        self.0.serialize_key(&Key(key))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_value(&Escaped(value))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: ser::SerializeMap> ser::SerializeStruct for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), C::Error> {
        self.0.serialize_entry(key, &Escaped(value))
    }
    fn skip_field(&mut self, _key: &'static str) -> Result<(), C::Error> {
        Ok(())
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

/// A tuple variant, `{variant: [items]}`: its items are kept as JSON values until the end,
/// since the outer map can only be opened on the wrapped serializer once they are known.
struct VariantSeq<S> {
    serializer: S,
    variant: &'static str,
    items: Vec<serde_json::Value>,
}

impl<S: Serializer> ser::SerializeTupleVariant for VariantSeq<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), S::Error> {
        let v = escape_dollars(serde_json::to_value(value).map_err(ser::Error::custom)?);
        self.items.push(v);
        Ok(())
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        Variant { name: self.variant, value: &self.items }.serialize(self.serializer)
    }
}

/// A struct variant, `{variant: {fields}}`, held as JSON values as [`VariantSeq`] is.
struct VariantMap<S> {
    serializer: S,
    variant: &'static str,
    fields: Vec<(&'static str, serde_json::Value)>,
}

impl<S: Serializer> ser::SerializeStructVariant for VariantMap<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), S::Error> {
        let v = escape_dollars(serde_json::to_value(value).map_err(ser::Error::custom)?);
        self.fields.push((key, v));
        Ok(())
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        let fields: serde_json::Map<String, serde_json::Value> =
            self.fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        Variant { name: self.variant, value: &fields }.serialize(self.serializer)
    }
}

/// Writes every `$` in string values as `$$`: an interpolated project printed this way
/// interpolates back to itself.
pub fn escape_dollars(mut v: serde_json::Value) -> serde_json::Value {
    escape_in_place(&mut v);
    v
}

fn escape_in_place(v: &mut serde_json::Value) {
    use serde_json::Value as J;
    match v {
        J::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
        J::Array(items) => items.iter_mut().for_each(escape_in_place),
        J::Object(m) => m.values_mut().for_each(escape_in_place),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    enum E {
        Unit,
        New(String),
        Tuple(String, u8),
        Struct { a: String, b: Option<u8> },
    }

    #[derive(Serialize)]
    struct Wrap(String);

    #[derive(Serialize)]
    struct All {
        s: String,
        c: char,
        n: Option<String>,
        f: f64,
        nan: f64,
        w: Wrap,
        unit: (),
        tuple: (String, i8),
        map: BTreeMap<String, String>,
        e: Vec<E>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        #[serde(flatten)]
        flat: BTreeMap<String, String>,
    }

    fn sample() -> All {
        All {
            s: "a $x b".into(),
            c: '$',
            n: None,
            f: 1.5,
            nan: f64::NAN,
            w: Wrap("$$".into()),
            unit: (),
            tuple: ("$".into(), -1),
            map: BTreeMap::from([("k$ey".into(), "v$al".into())]),
            e: vec![E::Unit, E::New("$n".into()), E::Tuple("$t".into(), 2), E::Struct { a: "$a".into(), b: None }],
            skipped: None,
            flat: BTreeMap::from([("x-$".into(), "$f".into())]),
        }
    }

    #[test]
    fn writes_what_the_json_value_route_writes() {
        let v = sample();
        let by_value = escape_dollars(serde_json::to_value(&v).unwrap());
        let direct = serde_json::to_value(Escaped(&v)).unwrap();
        assert_eq!(direct, by_value);
        assert_eq!(direct["s"], "a $$x b");
        assert_eq!(direct["map"]["k$ey"], "v$$al");
        assert_eq!(direct["e"][2]["Tuple"][0], "$$t");
        let yaml_by_value = serde_saphyr::to_string(&by_value).unwrap();
        assert_eq!(serde_saphyr::to_string(&Escaped(&v)).unwrap(), yaml_by_value);
    }
}
