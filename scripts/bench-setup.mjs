// npm run bench:setup: the benchmark peers that come from Debian rather than npm — R with the
// forecast package (auto.arima, Arima) and scikit-learn (KMeans) — installed with apt when missing.
import { execFileSync } from 'node:child_process';

const has = (cmd, args) => {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const need = [];
if (!has('Rscript', ['-e', 'suppressMessages(library(forecast))'])) need.push('r-base-core', 'r-cran-forecast');
if (!has('/usr/bin/python3', ['-c', 'import sklearn'])) need.push('python3-sklearn');
if (need.length === 0) {
  console.log('bench peers present: R forecast, scikit-learn');
} else {
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  console.log(`installing ${need.join(' ')}`);
  execFileSync(sudo[0] ?? 'apt-get', [...(sudo.length ? ['apt-get'] : []), 'install', '-y', '--no-install-recommends', ...need], { stdio: 'inherit' });
}
