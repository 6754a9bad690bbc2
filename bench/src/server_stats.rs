//! The server's side of a run when it runs on this machine: which processes listen on the
//! nodes' ports (found through /proc/net/tcp and each process's fds, or given with
//! `--server-pid`), and their resident memory and CPU time from /proc.

use serde::Serialize;
use std::collections::HashSet;

/// One reading of a set of server processes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sample {
    /// Resident set, summed over the processes (bytes).
    pub rss: u64,
    /// Peak resident set (VmHWM), summed (bytes).
    pub rss_peak: u64,
    /// User + system CPU time, summed (seconds).
    pub cpu_secs: f64,
}

/// What the report says about the server.
#[derive(Debug, Clone, Serialize)]
pub struct ServerFigures {
    pub pids: Vec<u32>,
    /// Before the bench's connections opened (after its users and channels were created).
    pub rss_bytes_before: u64,
    /// Once every connection was open and watching, before any event.
    pub rss_bytes_idle: u64,
    pub rss_bytes_end: u64,
    pub rss_bytes_peak: u64,
    /// (idle − before) / connections opened.
    pub rss_per_connection_bytes: u64,
    /// CPU used while events flowed (100 = one core busy), summed over the processes.
    pub cpu_percent: f64,
}

/// The pids listening on any of `ports` (TCP, IPv4 or IPv6), excluding this process.
pub fn find_listeners(ports: &[u16]) -> Vec<u32> {
    let mut inodes = HashSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() < 10 || cols[3] != "0A" {
                continue; // not LISTEN
            }
            let port = cols[1].rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok());
            if port.is_some_and(|p| ports.contains(&p)) {
                inodes.insert(format!("socket:[{}]", cols[9]));
            }
        }
    }
    if inodes.is_empty() {
        return Vec::new();
    }
    let me = std::process::id();
    let mut pids = Vec::new();
    let Ok(procs) = std::fs::read_dir("/proc") else { return pids };
    for entry in procs.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else { continue };
        let listens = fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l.to_str().is_some_and(|l| inodes.contains(l))));
        if listens {
            pids.push(pid);
        }
    }
    pids.sort();
    pids
}

/// Reads the processes now; None when one of them is gone.
pub fn sample(pids: &[u32]) -> Option<Sample> {
    let ticks = clock_ticks();
    let mut total = Sample::default();
    for pid in pids {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        total.rss += status_kb(&status, "VmRSS:")? * 1024;
        total.rss_peak += status_kb(&status, "VmHWM:")? * 1024;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Fields after the command (which may hold spaces) start after the last ')'.
        let fields: Vec<&str> = stat[stat.rfind(')')? + 2..].split(' ').collect();
        let utime: f64 = fields.get(11)?.parse().ok()?;
        let stime: f64 = fields.get(12)?.parse().ok()?;
        total.cpu_secs += (utime + stime) / ticks;
    }
    Some(total)
}

fn status_kb(status: &str, key: &str) -> Option<u64> {
    status.lines().find(|l| l.starts_with(key))?.split_whitespace().nth(1)?.parse().ok()
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_listening_child_and_reads_proc() {
        use std::io::BufRead;
        let script = "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\ntime.sleep(30)";
        let mut child = std::process::Command::new("python3")
            .args(["-c", script])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs (scripts/test.sh checks for it)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port: u16 = line.trim().parse().unwrap();
        let found = find_listeners(&[port]);
        let s = sample(&found);
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(found, vec![child.id()]);
        let s = s.expect("the child's /proc entry");
        assert!(s.rss > 0 && s.rss_peak >= s.rss);
        assert!(sample(&[u32::MAX]).is_none());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        assert!(find_listeners(&[listener.local_addr().unwrap().port()]).is_empty(), "the bench never measures itself");
    }
}
