/** The console's charts, in page order. */
import { activeSessionsChart } from "./active-sessions";
import { anomaliesChart } from "./anomalies";
import { categoryRevenueChart } from "./category-revenue";
import type { ChartModule } from "./chart";
import { conversionChart } from "./conversion-rate";
import { pageViewsChart } from "./page-views";

/** Every chart, in page order. */
export const CHARTS: ChartModule[] = [pageViewsChart, categoryRevenueChart, conversionChart, activeSessionsChart, anomaliesChart];
