// Chart.js (pinned in package.json), tree-shaken to the parts the dashboard's charts use, bundled
// by scripts/lib/build.ts (esbuild, `npm run build:web`) into web/dist/vendor/chart.js, served at
// /dashboard/vendor/chart.js. web/chart.js wraps it; no view imports it directly.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

export { Chart };
