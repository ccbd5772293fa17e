//! What an apalis task carries: a job's kind and its JSON payload text, as the engine stores
//! them. The engine's wire form is the same pair, so the codec passes it through.

use apalis_core::backend::codec::Codec;

/// One job's arguments: its kind (the registry key) and its payload, JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobArgs {
    pub kind: String,
    pub payload: String,
}

/// The engine keeps kind and payload text as they are; encoding and decoding copy them.
#[derive(Debug, Clone, Copy, Default)]
pub struct PassThrough;

impl Codec<JobArgs> for PassThrough {
    type Error = std::convert::Infallible;
    type Compact = JobArgs;

    fn encode(&self, val: &JobArgs) -> Result<JobArgs, Self::Error> {
        Ok(val.clone())
    }

    fn decode(&self, val: &JobArgs) -> Result<JobArgs, Self::Error> {
        Ok(val.clone())
    }
}
