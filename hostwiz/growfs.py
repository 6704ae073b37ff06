"""Growing the root filesystem after its EBS volume grew: the script hostwiz runs on the instance
over the stack's verified SSH, and the reading of its answer (plain Python; no SSH here).

EBS grows the block device online (`ModifyVolume`); the partition and the filesystem on it stay
the old size until they are grown: `growpart DISK N` (cloud-guest-utils, on Ubuntu's and Amazon
Linux's cloud images) and then `resize2fs PARTITION` (ext4: Ubuntu) or `xfs_growfs /` (XFS:
Amazon Linux 2023). A root filesystem on the whole disk (no partition) needs only the second.
growpart says NOCHANGE when the partition already fills the disk (the kernel has not seen the new
size yet, or it was grown before): not a failure, and the answer says the size did not change.
"""

from __future__ import annotations

from dataclasses import dataclass

MARK = "hostwiz-growfs"

# POSIX sh; every path through it ends with one MARK line (or a non-zero exit with the reason).
SCRIPT = r"""set -u
src=$(findmnt -n -o SOURCE /) || { echo "cannot find the root filesystem" >&2; exit 2; }
fstype=$(findmnt -n -o FSTYPE /)
part=${src##*/}
case "$part" in
  nvme*n*p[0-9]*) disk=${part%p*}; num=${part##*p} ;;
  nvme*n[0-9]*) disk=$part; num= ;;
  *[a-z][0-9]*) disk=$(printf %s "$part" | sed 's/[0-9]*$//'); num=${part#"$disk"} ;;
  *) disk=$part; num= ;;
esac
before=$(df -P -k / | awk 'NR==2 {print $2}')
partition=whole-disk
if [ -n "$num" ]; then
  if out=$(sudo -n growpart "/dev/$disk" "$num" 2>&1); then
    partition=grown
  else
    case "$out" in
      *NOCHANGE*) partition=unchanged ;;
      *) echo "growpart /dev/$disk $num: $out" >&2; exit 1 ;;
    esac
  fi
fi
case "$fstype" in
  ext2|ext3|ext4) sudo -n resize2fs "$src" >/dev/null 2>&1 || { echo "resize2fs $src failed" >&2; exit 1; } ;;
  xfs) sudo -n xfs_growfs -d / >/dev/null 2>&1 || { echo "xfs_growfs / failed" >&2; exit 1; } ;;
  *) echo "the root filesystem is $fstype; hostwiz grows ext4 and xfs only" >&2; exit 3 ;;
esac
after=$(df -P -k / | awk 'NR==2 {print $2}')
echo "MARK $src $fstype $partition $before $after"
""".replace("MARK", MARK)


def command() -> str:
    """The command line to run (the script through sh: no file is left on the instance)."""
    import shlex

    return "sh -c " + shlex.quote(SCRIPT)


@dataclass
class Grown:
    device: str
    fstype: str
    partition: str  # grown | unchanged | whole-disk
    before_kib: int
    after_kib: int

    @property
    def before_gb(self) -> float:
        return self.before_kib / 1024 / 1024

    @property
    def after_gb(self) -> float:
        return self.after_kib / 1024 / 1024

    def text(self) -> str:
        if self.after_kib > self.before_kib:
            return f"filesystem {self.device} ({self.fstype}) grown from {self.before_gb:.1f} to {self.after_gb:.1f} GiB"
        return (f"filesystem {self.device} ({self.fstype}) stays {self.after_gb:.1f} GiB: the instance does not see "
                "the bigger disk yet; it grows at the next boot (cloud-init's growpart)")


def parse(stdout: str) -> Grown | None:
    """The script's answer, or None when it did not get to the end."""
    for line in reversed(stdout.splitlines()):
        parts = line.split()
        if len(parts) == 6 and parts[0] == MARK and parts[4].isdigit() and parts[5].isdigit():
            return Grown(parts[1], parts[2], parts[3], int(parts[4]), int(parts[5]))
    return None
