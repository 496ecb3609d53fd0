//! `fc:runtime/digest`: hashes and HMACs the host computes natively for a guest (the
//! JavaScript SDK's `crypto.createHash` and `createHmac`). Each hasher is a resource
//! in the instance's table, so the table's bound bounds how many a guest may hold.

use hmac::{Hmac, Mac as _};
use sha2::Digest as _;
use wasmtime::component::Resource;

use crate::bindings::digest::{self, Algorithm};
use crate::state::HostState;

/// A hash or an HMAC of one algorithm, in progress. (`pub`: the generated bindings,
/// private to the crate, name it.)
#[derive(Clone, Debug)]
#[allow(unreachable_pub, reason = "named by the private generated bindings")]
pub enum Hasher {
    /// A plain hash.
    Hash(Hash),
    /// An HMAC.
    Hmac(Keyed),
}

/// Defines the hash and HMAC states of each algorithm, and their update and finish.
macro_rules! algorithms {
    ($($name:ident => $ty:ty),* $(,)?) => {
        /// A plain hash's state.
        #[derive(Clone, Debug)]
        #[allow(unreachable_pub, reason = "named by the private generated bindings")]
        pub enum Hash { $($name($ty)),* }

        /// An HMAC's state.
        #[derive(Clone, Debug)]
        #[allow(unreachable_pub, reason = "named by the private generated bindings")]
        pub enum Keyed { $($name(Hmac<$ty>)),* }

        impl Hasher {
            fn new(algorithm: Algorithm, key: Option<&[u8]>) -> Self {
                match (algorithm, key) {
                    $(
                        (Algorithm::$name, None) => Hasher::Hash(Hash::$name(<$ty>::new())),
                        (Algorithm::$name, Some(key)) => Hasher::Hmac(Keyed::$name(
                            // An HMAC takes a key of any length.
                            Hmac::<$ty>::new_from_slice(key).expect("HMAC takes any key length"),
                        )),
                    )*
                }
            }

            fn update(&mut self, data: &[u8]) {
                match self {
                    $(
                        Hasher::Hash(Hash::$name(state)) => state.update(data),
                        Hasher::Hmac(Keyed::$name(state)) => state.update(data),
                    )*
                }
            }

            fn finish(&self) -> Vec<u8> {
                match self.clone() {
                    $(
                        Hasher::Hash(Hash::$name(state)) => state.finalize().to_vec(),
                        Hasher::Hmac(Keyed::$name(state)) => state.finalize().into_bytes().to_vec(),
                    )*
                }
            }
        }
    };
}

algorithms! {
    Md5 => md5::Md5,
    Sha1 => sha1::Sha1,
    Sha224 => sha2::Sha224,
    Sha256 => sha2::Sha256,
    Sha384 => sha2::Sha384,
    Sha512 => sha2::Sha512,
}

impl digest::HostHasher for HostState {
    fn new(
        &mut self,
        algorithm: Algorithm,
        hmac_key: Option<Vec<u8>>,
    ) -> wasmtime::Result<Resource<Hasher>> {
        Ok(self
            .table
            .push(Hasher::new(algorithm, hmac_key.as_deref()))?)
    }

    fn update(&mut self, this: Resource<Hasher>, data: Vec<u8>) -> wasmtime::Result<()> {
        self.table.get_mut(&this)?.update(&data);
        Ok(())
    }

    fn clone(&mut self, this: Resource<Hasher>) -> wasmtime::Result<Resource<Hasher>> {
        let copy = self.table.get(&this)?.clone();
        Ok(self.table.push(copy)?)
    }

    fn finish(&mut self, this: Resource<Hasher>) -> wasmtime::Result<Vec<u8>> {
        Ok(self.table.get(&this)?.finish())
    }

    fn drop(&mut self, this: Resource<Hasher>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        Ok(())
    }
}

impl digest::Host for HostState {
    fn digest(
        &mut self,
        algorithm: Algorithm,
        hmac_key: Option<Vec<u8>>,
        data: Vec<u8>,
    ) -> wasmtime::Result<Vec<u8>> {
        let mut hasher = Hasher::new(algorithm, hmac_key.as_deref());
        hasher.update(&data);
        Ok(hasher.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn digests_are_the_standard_ones() {
        let cases = [
            (Algorithm::Md5, "900150983cd24fb0d6963f7d28e17f72"),
            (Algorithm::Sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (
                Algorithm::Sha256,
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
        ];
        for (algorithm, expected) in cases {
            let mut hasher = Hasher::new(algorithm, None);
            hasher.update(b"a");
            hasher.update(b"bc");
            assert_eq!(hex(&hasher.finish()), expected);
        }
        assert_eq!(Hasher::new(Algorithm::Sha512, None).finish().len(), 64);
        assert_eq!(Hasher::new(Algorithm::Sha384, None).finish().len(), 48);
        assert_eq!(Hasher::new(Algorithm::Sha224, None).finish().len(), 28);
    }

    #[test]
    fn an_hmac_is_keyed_and_a_clone_goes_on_alone() {
        // RFC 4231, test case 2.
        let mut hmac = Hasher::new(Algorithm::Sha256, Some(b"Jefe"));
        hmac.update(b"what do ya want ");
        let mut copy = hmac.clone();
        hmac.update(b"for nothing?");
        assert_eq!(
            hex(&hmac.finish()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        copy.update(b"x");
        assert_ne!(copy.finish(), hmac.finish());
        assert_eq!(
            hmac.finish(),
            hmac.finish(),
            "finish does not change the state"
        );
    }
}
