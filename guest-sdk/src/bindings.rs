//! Bindings generated from `wit/` (`fc:runtime@0.2.0`), one `generate!` per export so
//! that a guest exports only the interfaces it implements (the host looks at which ones
//! are there). Everything here is an implementation detail of the SDK.

#![allow(missing_docs, unreachable_pub, missing_debug_implementations)]

/// The imports every guest shares: the context resource, the error type and `log`.
pub mod imports {
    wit_bindgen::generate!({
        inline: "
            package fc:sdk-imports;
            world imports {
                import fc:runtime/context@0.2.0;
                import fc:runtime/types@0.2.0;
                import fc:runtime/log@0.2.0;
            }
        ",
        path: "../wit",
        runtime_path: "::guest_sdk::__private::wit_bindgen::rt",
        generate_all,
    });
}

/// The `event-handler` export.
pub mod event {
    wit_bindgen::generate!({
        inline: "
            package fc:sdk-event;
            world event { export fc:runtime/event-handler@0.2.0; }
        ",
        path: "../wit",
        with: {
            "fc:runtime/context@0.2.0": crate::bindings::imports::fc::runtime::context,
            "fc:runtime/types@0.2.0": crate::bindings::imports::fc::runtime::types,
        },
        runtime_path: "::guest_sdk::__private::wit_bindgen::rt",
        pub_export_macro: true,
        default_bindings_module: "::guest_sdk::__private::event",
    });
}

/// The `lifecycle` export.
pub mod lifecycle {
    wit_bindgen::generate!({
        inline: "
            package fc:sdk-lifecycle;
            world lifecycle { export fc:runtime/lifecycle@0.2.0; }
        ",
        path: "../wit",
        with: {
            "fc:runtime/context@0.2.0": crate::bindings::imports::fc::runtime::context,
            "fc:runtime/types@0.2.0": crate::bindings::imports::fc::runtime::types,
        },
        runtime_path: "::guest_sdk::__private::wit_bindgen::rt",
        pub_export_macro: true,
        default_bindings_module: "::guest_sdk::__private::lifecycle",
    });
}

/// The `http-handler` export.
pub mod http {
    wit_bindgen::generate!({
        inline: "
            package fc:sdk-http;
            world http { export fc:runtime/http-handler@0.2.0; }
        ",
        path: "../wit",
        with: {
            "fc:runtime/context@0.2.0": crate::bindings::imports::fc::runtime::context,
            "fc:runtime/types@0.2.0": crate::bindings::imports::fc::runtime::types,
        },
        runtime_path: "::guest_sdk::__private::wit_bindgen::rt",
        pub_export_macro: true,
        default_bindings_module: "::guest_sdk::__private::http",
    });
}

pub use imports::fc::runtime::context as wit_context;
pub use imports::fc::runtime::log::{Level, log};
pub use imports::fc::runtime::types as wit;
