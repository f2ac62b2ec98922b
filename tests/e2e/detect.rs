//! `mxddns detect` through the binary: each source's answer, and the agreed address.

use super::harness::*;

#[test]
fn detect_shows_each_source_and_the_agreed_address() {
    let env = Env::example();
    let text = env.cloudflare_config(CF_TOKEN).replace(
        &format!("ipv4: [\"{}\"]", env.fake.echo_url()),
        &format!(
            "ipv4: [\"{}\", \"{}\"]",
            env.fake.echo_url(),
            env.fake.trace_url()
        ),
    );
    let cfg = env.write_config(&text);
    let r = run(mxddns().arg("-c").arg(&cfg).arg("detect"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains(&env.fake.echo_url()), "{r:?}");
    assert!(r.stdout.contains(&env.fake.trace_url()), "{r:?}");
    assert!(
        r.stdout.matches("203.0.113.20").count() >= 3,
        "both answers and the agreed one: {r:?}"
    );
    assert_eq!(env.api_requests(), 0, "detect never calls the registrar");
}

#[test]
fn detect_fails_on_a_private_answer_and_names_why() {
    let env = Env::example();
    env.fake.set_echo_ip("192.168.1.20".parse().unwrap());
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let r = run(mxddns().arg("-c").arg(&cfg).arg("detect"));
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.all().contains("private"), "{r:?}");

    env.fake.set_echo_ip("100.64.3.4".parse().unwrap());
    let r = run(mxddns().arg("-c").arg(&cfg).arg("detect"));
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.all().contains("carrier-grade NAT"), "{r:?}");
    // The update cycle changes nothing on such an answer.
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.10"]);
    assert_eq!(env.api_requests(), 0);
}
